import type { SeriesRow, StackedSeries } from '../dashboard/types'
import { bucketStarts, type ResolvedRange } from '../time-range'

/** Parenthesised so it cannot collide with a real value (attestation has a reason called "other"). */
export const OTHER_KEY = '(rest)'

/**
 * Long rows (bucket, key, value) → one row per bucket with a field per key,
 * the shape stacked charts take. Keeps the `maxKeys` largest keys by total
 * and folds the rest into "other" so a chart never has 40 colours.
 */
export function pivot(range: ResolvedRange, rows: { t: number; key: string; value: number }[], maxKeys = 8): StackedSeries {
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.value)
  const ranked = [...totals].sort((a, b) => b[1] - a[1]).map(([k]) => k)
  const kept = new Set(ranked.length > maxKeys ? ranked.slice(0, maxKeys - 1) : ranked)
  const keys = ranked.length > maxKeys ? [...kept, OTHER_KEY] : ranked
  const byT = new Map<number, SeriesRow>()
  for (const t of bucketStarts(range)) {
    const row = { t } as SeriesRow
    for (const k of keys) row[k] = 0
    byT.set(t, row)
  }
  for (const r of rows) {
    const row = byT.get(r.t)
    if (!row) continue
    const key = kept.has(r.key) ? r.key : OTHER_KEY
    row[key] += r.value
  }
  const keyTotals: Record<string, number> = {}
  for (const k of keys) keyTotals[k] = 0
  for (const [k, v] of totals) keyTotals[kept.has(k) ? k : OTHER_KEY] += v
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, keys, points: [...byT.values()], totals: keyTotals }
}
