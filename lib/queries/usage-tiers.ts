import type { Store } from '../clickhouse/client'
import type { ResolvedRange } from '../time-range'
import { table } from './sql'

const QUARTER_S = 900
const HOUR_S = 3600
const DAY_S = 86_400

export type Tier = 'minute' | 'quarter' | 'hour' | 'day'

/**
 * The window cut into whole UTC days, whole hours outside them, whole quarter-hours outside those, and the minutes
 * left at the edges (epoch seconds): from ≤ quarterFrom ≤ hourFrom ≤ dayFrom ≤ dayTo ≤ hourTo ≤ quarterTo ≤ to.
 * Only the install sketches have a quarter tier (installs_dim_quarter): the sums read minutes where they read quarters.
 */
export interface Tiers {
  from: number
  to: number
  dayFrom: number
  dayTo: number
  hourFrom: number
  hourTo: number
  quarterFrom: number
  quarterTo: number
}

const SECONDS: Record<Exclude<Tier, 'minute'>, number> = { quarter: QUARTER_S, hour: HOUR_S, day: DAY_S }
const COARSE: Exclude<Tier, 'minute'>[] = ['quarter', 'hour', 'day']

/**
 * The tiers a window skips by default: quarter-hours unless the buckets are quarter-hours (coarsest 'quarter').
 * Where hours are read, quarters only fill the edge hours (≤ 45 minutes at each end), and in chDB each table read
 * costs ~4–5 ms however few rows it finds (issue 17 probes, docs/benchmarks.md), more than reading those minutes
 * from the minute tier, whose edge granules are read anyway: the 7 d KPIs 50 → 46 ms, the 30 d cost per install's
 * sketches 61 → 57 ms (p50, probes at load 2–3). Counts are unchanged: a union of sketches is the same set whichever tiers hold it.
 */
export function defaultSkip(coarsest: Tier): Tier[] {
  return coarsest === 'quarter' ? [] : ['quarter']
}

/**
 * Tier bounds for a window. `coarsest` caps the coarsest tier used: a chart
 * bucketed by 3 h may read hours but not days (a day row would land in its
 * midnight bucket), so the day tier is empty unless the step is whole days.
 * `skip` leaves tiers out: their span is read from the next finer tier used (a
 * skipped hour tier: quarters up to the days). An empty tier collapses onto the
 * bounds of the next coarser tier used, or, with none, onto the end of the next finer one.
 */
export function tiers(range: Pick<ResolvedRange, 'fromMs' | 'toMs'>, coarsest: Tier = 'day', skip: readonly Tier[] = defaultSkip(coarsest)): Tiers {
  const from = Math.floor(range.fromMs / 1000)
  const to = Math.ceil(range.toMs / 1000)
  const allowed = COARSE.slice(0, COARSE.indexOf(coarsest as Exclude<Tier, 'minute'>) + 1)
  // Each tier used covers the whole units of its size in the window; sizes nest (900 | 3600 | 86,400), so a tier's
  // span always lies inside the next finer tier's.
  const span: Partial<Record<Tier, [number, number]>> = {}
  for (const t of allowed) {
    if (skip.includes(t)) continue
    const lo = Math.ceil(from / SECONDS[t]) * SECONDS[t]
    const hi = Math.floor(to / SECONDS[t]) * SECONDS[t]
    if (lo < hi) span[t] = [lo, hi]
  }
  // Unused tiers: the bounds of the next coarser tier used (an empty ring), else the end of the next finer one.
  const bounds: Record<string, [number, number]> = {}
  for (let i = COARSE.length - 1, coarser: [number, number] | undefined; i >= 0; i--) {
    coarser = span[COARSE[i]] ?? coarser
    if (coarser) bounds[COARSE[i]] = coarser
  }
  for (let i = 0, finerEnd = to; i < COARSE.length; i++) {
    bounds[COARSE[i]] ??= [finerEnd, finerEnd]
    finerEnd = bounds[COARSE[i]][1]
  }
  const [quarterFrom, quarterTo] = bounds.quarter
  const [hourFrom, hourTo] = bounds.hour
  const [dayFrom, dayTo] = bounds.day
  return { from, to, dayFrom, dayTo, hourFrom, hourTo, quarterFrom, quarterTo }
}

/** The coarsest tier a chart with buckets of `stepS` may read without moving rows across buckets. */
export function coarsestFor(stepS: number): Tier {
  if (stepS % DAY_S === 0) return 'day'
  if (stepS % HOUR_S === 0) return 'hour'
  if (stepS % QUARTER_S === 0) return 'quarter'
  return 'minute'
}

const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`

/**
 * usage_minute's rows of the window, read from the coarsest rollup that
 * covers each part: usage_day for whole days, usage_hour for whole hours,
 * usage_minute for the edges. Sums and uniq states over the union equal those
 * over usage_minute alone (the rollups are its exact roll-ups); a 30-day
 * window reads ~30 day rows per group instead of 43,200 minute rows.
 * `columns` are usage_minute column names (plus `minute`, renamed per tier);
 * the tenant filter applies to every tier. Params: tierParams(t), whose bounds `cut` must be: a tier with nothing
 * to read in them is left out of the SQL (each table read costs a few ms in chDB even when it finds no row).
 */
export function usageTiers(store: Store, columns: string[], cut: Tiers, opts: { lastMinute?: boolean } = {}): string {
  // With `lastMinute`, the minute read also brings the minute {last:UInt32} (the KPIs' "right now"), wherever it lies:
  // rows get in_window (count them in the window's sums) and is_last. One read of usage_minute instead of two.
  const flags = (inWindow: string, isLast: string) => (opts.lastMinute ? [`${inWindow} AS in_window`, `${isLast} AS is_last`] : [])
  const select = (time: string, extra: string[] = []) => [`${time} AS minute`, ...columns.filter((c) => c !== 'minute'), ...extra].join(', ')
  const tenant = `({tenant:String} = '' OR tenant_id = {tenant:String})`
  const edges = `((minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')}))`
  const last = `minute = ${at('last')}`
  const reads = [
    opts.lastMinute || cut.hourFrom > cut.from || cut.to > cut.hourTo
      ? `SELECT ${select('minute', flags(edges, last))} FROM ${table(store, 'usage_minute')}
      WHERE (${edges}${opts.lastMinute ? ` OR ${last}` : ''}) AND ${tenant}`
      : '',
    cut.dayFrom > cut.hourFrom || cut.hourTo > cut.dayTo
      ? `SELECT ${select('hour', flags('1', '0'))} FROM ${table(store, 'usage_hour')}
      WHERE ((hour >= ${at('hourFrom')} AND hour < ${at('dayFrom')}) OR (hour >= ${at('dayTo')} AND hour < ${at('hourTo')})) AND ${tenant}`
      : '',
    cut.dayTo > cut.dayFrom
      ? `SELECT ${select('day', flags('1', '0'))} FROM ${table(store, 'usage_day')}
      WHERE day >= ${at('dayFrom')} AND day < ${at('dayTo')} AND ${tenant}`
      : '',
  ].filter(Boolean)
  return `
      ${reads.join('\n      UNION ALL\n      ')}`
}

/** Query parameters of usageTiers and installsBy: the tier bounds (tiers: the one place the cut is chosen) plus the range's step and tenant. */
export function tierParams(range: ResolvedRange, coarsest: Tier = 'day', skip: readonly Tier[] = defaultSkip(coarsest)) {
  return { ...tiers(range, coarsest, skip), step: range.stepS, tenant: range.tenant }
}
