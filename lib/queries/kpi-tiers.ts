import type { Store } from '../clickhouse/client'
import { table } from './sql'
import type { Tiers } from './usage-tiers'

const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`

const COLUMNS =
  'cost_micros, requests, streams, prompt_tokens, completion_tokens, attest_accepted, attest_rejected, stream_ms, policy_denials, upstream_errors, installs'

/**
 * The overview KPIs' rows of a window from kpi_minute, kpi_hour and kpi_day (migration 0065: per time and tenant, or
 * tenant_id '' for all tenants, the usage sums and the tenant-total install sketch): ONE table read per tier instead of
 * one for the sums and one for the sketches. The cut is usageTiers' (params: tierParams, whose bounds `cut` must be,
 * with the quarter tier skipped: the KPIs have no quarter tier, so the edge minutes run up to the hours); a tier with
 * nothing to read is left out of the SQL. The minute read also brings the minute {last:UInt32}, the KPIs' "right now",
 * wherever it lies. Rows: the KPI columns and `installs` (uniqCombined(14) state), with in_window (count the row in the
 * window's figures) and is_last.
 */
export function kpiTiers(store: Store, cut: Tiers): string {
  if (cut.quarterFrom !== cut.hourFrom || cut.quarterTo !== cut.hourTo) throw new Error('kpiTiers: the KPIs have no quarter tier; skip it in tierParams')
  const tenant = `tenant_id = {tenant:String}`
  const edges = `((minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')}))`
  const last = `minute = ${at('last')}`
  const reads = [
    `SELECT ${COLUMNS}, ${edges} AS in_window, ${last} AS is_last FROM ${table(store, 'kpi_minute')}
      WHERE ${tenant} AND (${edges} OR ${last})`,
    cut.dayFrom > cut.hourFrom || cut.hourTo > cut.dayTo
      ? `SELECT ${COLUMNS}, 1 AS in_window, 0 AS is_last FROM ${table(store, 'kpi_hour')}
      WHERE ${tenant} AND ((hour >= ${at('hourFrom')} AND hour < ${at('dayFrom')}) OR (hour >= ${at('dayTo')} AND hour < ${at('hourTo')}))`
      : '',
    cut.dayTo > cut.dayFrom
      ? `SELECT ${COLUMNS}, 1 AS in_window, 0 AS is_last FROM ${table(store, 'kpi_day')}
      WHERE ${tenant} AND day >= ${at('dayFrom')} AND day < ${at('dayTo')}`
      : '',
  ].filter(Boolean)
  return `
      ${reads.join('\n      UNION ALL\n      ')}`
}
