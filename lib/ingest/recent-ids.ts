/**
 * Bounded memory of recently seen event ids, so a gateway that re-sends an
 * event gets a dead letter ("duplicate_event_id") instead of a second row.
 * Messages are keyed by install id, so every copy of an event reaches the same
 * partition and therefore the same consumer.
 *
 * Two generations instead of evicting one id at a time: the current generation
 * fills up to `capacity`, then becomes the previous one and the one before it
 * is dropped whole: the last `capacity` ids are always remembered, at most
 * twice that. (Evicting one id at a time from a V8 Set went quadratic once the
 * Set was full.)
 *
 * Ids are kept as 63-bit fingerprints in typed arrays, not as strings in a Set:
 * 400k remembered ids then take 8 MiB (two tables of 2^19 slots) instead of ~35 MiB of old-generation
 * heap that every full garbage collection had to mark, and an id string dies
 * young with its batch. Two different ids share a fingerprint with probability
 * about 2^-63 per pair, so a valid event is mistaken for a duplicate (and kept as
 * a dead letter, not lost) about once in 2·10^13 events at the default capacity.
 */
export class RecentIds {
  private current: FingerprintTable
  private previous: FingerprintTable

  constructor(readonly capacity = 200_000) {
    this.current = new FingerprintTable(capacity)
    this.previous = new FingerprintTable(capacity)
  }

  /** True if the id was already seen; otherwise remembers it. */
  seen(id: string): boolean {
    fingerprint(id)
    if (this.current.has(fpHigh, fpLow) || this.previous.has(fpHigh, fpLow)) return true
    if (this.current.size >= this.capacity) {
      const emptied = this.previous
      emptied.clear()
      this.previous = this.current
      this.current = emptied
    }
    this.current.add(fpHigh, fpLow)
    return false
  }

  /**
   * Remembers ids stored before this process read their partition (see
   * seedPartition in pipeline.ts); each counts towards `capacity` like an id
   * read. Returns how many were new to the memory.
   */
  remember(ids: Iterable<string>): number {
    let added = 0
    for (const id of ids) if (!this.seen(id)) added++
    return added
  }

  forget(id: string): void {
    fingerprint(id)
    this.current.delete(fpHigh, fpLow)
    this.previous.delete(fpHigh, fpLow)
  }

  get size(): number {
    return this.current.size + this.previous.size
  }
}

// The fingerprint of the last id hashed: two 32-bit halves, returned through
// module state so hashing allocates nothing.
let fpHigh = 0
let fpLow = 0

function mix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Two independent 32-bit hashes of `id` (FNV-1a and a multiply-xorshift), finalised with murmur3's mixer. */
function fingerprint(id: string): void {
  let a = 0x811c9dc5 ^ id.length
  let b = 0x9747b28c
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  const low = mix32(b ^ Math.imul(a, 0x27d4eb2d))
  // The top bit is always set, so no fingerprint looks like an empty slot (0, 0)
  // or a deleted one (0, 1).
  fpHigh = (mix32(a) | 0x80000000) >>> 0
  fpLow = low
}

/**
 * Open addressing with linear probing over (high, low) pairs, at most half full
 * of ids. Deleted slots stay marked until the table is rebuilt, which happens
 * when ids and marks together fill three quarters of it, so a probe always
 * reaches an empty slot.
 */
class FingerprintTable {
  private slots: Uint32Array
  private readonly mask: number
  size = 0
  /** Slots holding an id or a deletion mark. */
  private used = 0

  constructor(capacity: number) {
    let n = 16
    while (n < capacity * 2) n *= 2
    this.slots = new Uint32Array(n * 2)
    this.mask = n - 1
  }

  private find(high: number, low: number): number {
    const slots = this.slots
    for (let i = (low ^ high) & this.mask; ; i = (i + 1) & this.mask) {
      const h = slots[2 * i]
      if (h === high && slots[2 * i + 1] === low) return i
      if (h === 0 && slots[2 * i + 1] === 0) return -1
    }
  }

  has(high: number, low: number): boolean {
    return this.find(high, low) >= 0
  }

  add(high: number, low: number): void {
    if (this.used >= ((this.mask + 1) * 3) / 4) this.rebuild()
    const slots = this.slots
    let i = (low ^ high) & this.mask
    // Reuses the first deleted slot; callers add only what `has` did not find.
    while (slots[2 * i] !== 0) i = (i + 1) & this.mask
    if (slots[2 * i + 1] === 0) this.used++
    slots[2 * i] = high
    slots[2 * i + 1] = low
    this.size++
  }

  private rebuild(): void {
    const old = this.slots
    this.slots = new Uint32Array(old.length)
    this.size = 0
    this.used = 0
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.add(old[i], old[i + 1])
  }

  delete(high: number, low: number): void {
    const i = this.find(high, low)
    if (i < 0) return
    this.slots[2 * i] = 0
    this.slots[2 * i + 1] = 1
    this.size--
  }

  clear(): void {
    this.slots.fill(0)
    this.size = 0
    this.used = 0
  }
}
