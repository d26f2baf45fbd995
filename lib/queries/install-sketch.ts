import type { Store } from '../clickhouse/client'
import type { CostDimension } from '../dashboard/types'
import { table } from './sql'

const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`

/**
 * Active installs of the window per value of `by` (or one row, key '', for
 * `by` = null), from the per-dimension install sketches (migration 0060):
 * whole days from installs_dim_day, whole hours from installs_dim_hour, whole
 * quarter-hours outside them from installs_dim_quarter (migration 0063), the
 * edge minutes from installs_dim_minute: the cut of usageTiers (params:
 * tierParams) with quarters inside its minute edges. The tenant breakdown reads the tenant totals.
 * With `tenant` '' (every tenant) and `by` not the tenant, the same tiers of the sketches already merged across
 * tenants (installs_all_*, migration 0064): a quarter of the sketches to merge, the same counts (a union either way).
 *
 * The sketch is uniqCombined(14), an estimate even for small groups (130
 * installs read as 129, 520 as 516 in the queries-cost fixture); above that a
 * HyperLogLog with ~0.8 % standard error (docs/dashboard.md).
 * Rows: (key String, installs UInt64), with `perBucket` (t Int64 ms, key, installs); with `state`, installs is the
 * merged sketch itself, to merge further.
 */
export function installsBy(
  store: Store,
  by: CostDimension | null,
  opts: { perBucket?: boolean; keys?: boolean; state?: boolean; tenant?: string } = {},
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
  return `
      SELECT ${opts.perBucket ? 't, ' : ''}key, uniqCombinedMerge${opts.state ? 'State' : ''}(14)(installs) AS installs FROM (${part('minute', `(minute >= ${at('from')} AND minute < ${at('quarterFrom')}) OR (minute >= ${at('quarterTo')} AND minute < ${at('to')})`)}
        UNION ALL ${part('quarter', `(quarter >= ${at('quarterFrom')} AND quarter < ${at('hourFrom')}) OR (quarter >= ${at('hourTo')} AND quarter < ${at('quarterTo')})`)}
        UNION ALL ${part('hour', `(hour >= ${at('hourFrom')} AND hour < ${at('dayFrom')}) OR (hour >= ${at('dayTo')} AND hour < ${at('hourTo')})`)}
        UNION ALL ${part('day', `day >= ${at('dayFrom')} AND day < ${at('dayTo')}`)}
      )
      GROUP BY ${opts.perBucket ? 't, ' : ''}key`
}
