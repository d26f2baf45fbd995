/**
 * Seedable randomness for the simulator. Math.random is never used: the same
 * seed must replay the same traffic so detections can be compared run to run.
 */

/** Hashes a list of numbers to a 32-bit seed (murmur3 finalizer per part). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const part of parts) {
    // Seeds and tick indexes may exceed 32 bits; fold the high word in too.
    const hi = Math.floor(part / 4294967296)
    for (const word of [part | 0, hi | 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b)
      h ^= h >>> 13
      h = Math.imul(h, 0xc2b2ae35)
      h ^= h >>> 16
    }
  }
  return h >>> 0
}

/** Hashes a string to 32 bits (FNV-1a), for deriving seeds from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** mulberry32: tiny state, fast, and good enough for traffic shapes (not crypto). */
export class Rng {
  private state: number
  private spare = NaN

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  uint32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** Standard normal by Box-Muller; the second value is kept for the next call. */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare
      this.spare = NaN
      return mean + sd * z
    }
    const u = 1 - this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return mean + sd * r * Math.cos(2 * Math.PI * v)
  }

  /** Lognormal parameterised by its median, which is how token sizes are easiest to reason about. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** Pareto with scale xm and shape alpha; smaller alpha means a heavier tail. */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.next(), 1 / alpha)
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next())
  }

  /** Knuth for small means, normal approximation above 30 (exact enough for event counts). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  /** Lowercase hex string of the given length. */
  hex(chars: number): string {
    let out = ''
    while (out.length < chars) out += this.uint32().toString(16).padStart(8, '0')
    return out.slice(0, chars)
  }
}

/** Cumulative-weight table: O(log n) picks with no allocation per pick. */
export class WeightedPicker<T> {
  private readonly cumulative: Float64Array
  readonly total: number

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new Error('WeightedPicker needs one weight per item')
    this.cumulative = new Float64Array(items.length)
    let sum = 0
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i])
      this.cumulative[i] = sum
    }
    if (!(sum > 0)) throw new Error('WeightedPicker needs a positive total weight')
    this.total = sum
  }

  pick(rng: Rng): T {
    const target = rng.next() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cumulative[mid] > target) hi = mid
      else lo = mid + 1
    }
    return this.items[lo]
  }
}

/** One-off weighted pick from [item, weight] pairs, for setup code where speed does not matter. */
export function weightedPick<T>(rng: Rng, pairs: readonly (readonly [T, number])[]): T {
  let total = 0
  for (const [, w] of pairs) total += w
  let target = rng.next() * total
  for (const [item, w] of pairs) {
    target -= w
    if (target < 0) return item
  }
  return pairs[pairs.length - 1][0]
}

/** Fisher-Yates in place; returns the same array. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const tmp = items[i]
    items[i] = items[j]
    items[j] = tmp
  }
  return items
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value
}
