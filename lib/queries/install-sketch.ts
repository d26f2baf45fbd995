import type { Store } from '../clickhouse/client'
import type { CostDimension } from '../dashboard/types'
import { table } from './sql'
import type { Tiers } from './usage-tiers'

const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`

/**
 * Active installs of the window per value of `by` (or one row, key '', for
 * `by` = null), from the per-dimension install sketches (migration 0060):
 * whole days from installs_dim_day, whole hours from installs_dim_hour, whole
 * quarter-hours outside them from installs_dim_quarter (migration 0063), the
 * edge minutes from installs_dim_minute: the cut of usageTiers (params:
 * tierParams, whose bounds `cut` must be) with quarters inside its minute edges; a tier with nothing to read is left
 * out of the SQL. The tenant breakdown reads the tenant totals.
 * With `tenant` '' (every tenant) and `by` not the tenant, the same tiers of the sketches already merged across
 * tenants (installs_all_*, migration 0064): a quarter of the sketches to merge, the same counts (a union either way).
 *
 * The sketch is uniqCombined(14), an estimate even for small groups (130
 * installs read as 129, 520 as 516 in the queries-cost fixture); above that a
 * HyperLogLog with ~0.8 % standard error (docs/dashboard.md).
 * Rows: (key String, installs UInt64), with `perBucket` (t Int64 ms, key, installs); with `perBucket` and
 * `windowTotals`, also one row per key with t = 0: its installs over the whole window (GROUPING SETS: each sketch
 * read is merged into its bucket and its key's total in one pass, not merged per bucket and then again).
 */
export function installsBy(
  store: Store,
  by: CostDimension | null,
  cut: Tiers,
  opts: { perBucket?: boolean; windowTotals?: boolean; keys?: boolean; tenant?: string } = {},
): string {
  const dim = by === null || by === 'tenant_id' ? '' : by
  const key = by === 'tenant_id' ? 'toString(tenant_id)' : by === null ? `''` : 'toString(key)'
  const allTenants = opts.tenant === '' && by !== 'tenant_id'
  // With `keys`, only the values in {keys:Array(String)} (a chart's top series): fewer sketches to merge.
  const keys = opts.keys ? ` AND ${key} IN {keys:Array(String)}` : ''
  const tenant = allTenants ? keys : ` AND ({tenant:String} = '' OR tenant_id = {tenant:String})${keys}`
  // Per bucket of {step:UInt32} seconds (a chart's buckets; tierParams with coarsestFor(step) keeps rows inside them).
  const bucket = (time: string) => (opts.perBucket ? `toUnixTimestamp(toStartOfInterval(${time}, toIntervalSecond({step:UInt32}))) * 1000 AS t, ` : '')
  const part = (time: string, where: string) => `
        SELECT ${bucket(time)}${key} AS key, installs FROM ${table(store, `installs_${allTenants ? 'all' : 'dim'}_${time}`)}
        WHERE dim = '${dim}' AND (${where})${tenant}`
  const parts = [
    (cut.quarterFrom > cut.from || cut.to > cut.quarterTo) &&
      part('minute', `(minute >= ${at('from')} AND minute < ${at('quarterFrom')}) OR (minute >= ${at('quarterTo')} AND minute < ${at('to')})`),
    (cut.hourFrom > cut.quarterFrom || cut.quarterTo > cut.hourTo) &&
      part('quarter', `(quarter >= ${at('quarterFrom')} AND quarter < ${at('hourFrom')}) OR (quarter >= ${at('hourTo')} AND quarter < ${at('quarterTo')})`),
    (cut.dayFrom > cut.hourFrom || cut.hourTo > cut.dayTo) &&
      part('hour', `(hour >= ${at('hourFrom')} AND hour < ${at('dayFrom')}) OR (hour >= ${at('dayTo')} AND hour < ${at('hourTo')})`),
    cut.dayTo > cut.dayFrom && part('day', `day >= ${at('dayFrom')} AND day < ${at('dayTo')}`),
  ].filter(Boolean)
  return `
      SELECT ${opts.perBucket ? 't, ' : ''}key, uniqCombinedMerge(14)(installs) AS installs FROM (${parts.join('\n        UNION ALL ')}
      )
      GROUP BY ${!opts.perBucket ? 'key' : opts.windowTotals ? 'GROUPING SETS ((t, key), (key))' : 't, key'}`
}
