/** Small, dependency-free statistics for repeated benchmark runs. */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  // Linear interpolation between closest ranks, as most tools report it.
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export const median = (values: readonly number[]) => quantile(values, 0.5)

export interface Summary {
  n: number
  median: number
  min: number
  max: number
  p50: number
  p95: number
  /** Half the min–max range relative to the median, in percent: a blunt but honest spread for 3–5 runs. */
  spreadPct: number
}

export function summarize(values: readonly number[]): Summary {
  const m = median(values)
  const min = Math.min(...values)
  const max = Math.max(...values)
  return {
    n: values.length,
    median: m,
    min,
    max,
    p50: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    spreadPct: m === 0 || !Number.isFinite(m) ? 0 : ((max - min) / 2 / m) * 100,
  }
}

/** Ratios computed run by run (each against the reference of the same repetition), then summarized. */
export function pairedRatios(ours: readonly number[], reference: readonly number[]): Summary {
  const n = Math.min(ours.length, reference.length)
  return summarize(Array.from({ length: n }, (_, i) => ours[i] / reference[i]))
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** "123,456 ±4%" */
export function fmtSummary(s: Summary, digits = 0, unit = ''): string {
  if (s.n === 0 || !Number.isFinite(s.median)) return 'n/a'
  return `${fmt(s.median, digits)}${unit} ±${fmt(s.spreadPct, 0)}% (n=${s.n})`
}
