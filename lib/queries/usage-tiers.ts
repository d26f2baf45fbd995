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

/**
 * Tier bounds for a window. `coarsest` caps the coarsest tier used: a chart
 * bucketed by 3 h may read hours but not days (a day row would land in its
 * midnight bucket), so the day tier is empty unless the step is whole days.
 * An empty tier collapses onto the end of the next finer one.
 */
export function tiers(range: Pick<ResolvedRange, 'fromMs' | 'toMs'>, coarsest: Tier = 'day'): Tiers {
  const from = Math.floor(range.fromMs / 1000)
  const to = Math.ceil(range.toMs / 1000)
  let quarterFrom = Math.ceil(from / QUARTER_S) * QUARTER_S
  let quarterTo = Math.floor(to / QUARTER_S) * QUARTER_S
  if (coarsest === 'minute' || quarterFrom >= quarterTo) quarterFrom = quarterTo = to
  let hourFrom = Math.ceil(quarterFrom / HOUR_S) * HOUR_S
  let hourTo = Math.floor(quarterTo / HOUR_S) * HOUR_S
  if (coarsest === 'minute' || coarsest === 'quarter' || hourFrom >= hourTo) hourFrom = hourTo = quarterTo
  let dayFrom = Math.ceil(hourFrom / DAY_S) * DAY_S
  let dayTo = Math.floor(hourTo / DAY_S) * DAY_S
  if (coarsest !== 'day' || dayFrom >= dayTo) dayFrom = dayTo = hourTo
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
 * the tenant filter applies to every tier. Params: tierParams(t).
 */
export function usageTiers(store: Store, columns: string[]): string {
  const select = (time: string) => [`${time} AS minute`, ...columns.filter((c) => c !== 'minute')].join(', ')
  const tenant = `({tenant:String} = '' OR tenant_id = {tenant:String})`
  return `
      SELECT ${select('minute')} FROM ${table(store, 'usage_minute')}
      WHERE ((minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')})) AND ${tenant}
      UNION ALL
      SELECT ${select('hour')} FROM ${table(store, 'usage_hour')}
      WHERE ((hour >= ${at('hourFrom')} AND hour < ${at('dayFrom')}) OR (hour >= ${at('dayTo')} AND hour < ${at('hourTo')})) AND ${tenant}
      UNION ALL
      SELECT ${select('day')} FROM ${table(store, 'usage_day')}
      WHERE day >= ${at('dayFrom')} AND day < ${at('dayTo')} AND ${tenant}`
}

/** Query parameters of usageTiers: the tier bounds plus the range's step and tenant. */
export function tierParams(range: ResolvedRange, coarsest: Tier = 'day') {
  return { ...tiers(range, coarsest), step: range.stepS, tenant: range.tenant }
}
