import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

export interface HourlySpendRow {
  tenant_id: string
  feature: string
  t: number
  cost: number
}

/**
 * Spend per hour in [from, to) per tenant and feature (feature '' when
 * `byFeature` is false), for the month-end forecast. Whole hours come from
 * usage_hour; the hour still filling comes from usage_minute, so the forecast
 * sees spend up to the last minute.
 */
export async function hourlySpend(store: Store, p: { fromMs: number; toMs: number; tenant: string; byFeature: boolean }): Promise<HourlySpendRow[]> {
  const feature = p.byFeature ? 'feature' : "''"
  return selectRows<HourlySpendRow>(
    store,
    `
    SELECT tenant_id, ${feature} AS feature, toUnixTimestamp(hour) * 1000 AS t, sum(cost_micros) AS cost
    FROM (
      SELECT hour, tenant_id, feature, cost_micros FROM ${table(store, 'usage_hour')}
      WHERE hour >= toDateTime({from:UInt32}, 'UTC') AND hour < toStartOfHour(toDateTime({to:UInt32}, 'UTC'))
        AND ({tenant:String} = '' OR tenant_id = {tenant:String})
      UNION ALL
      SELECT toStartOfHour(minute) AS hour, tenant_id, feature, cost_micros FROM ${table(store, 'usage_minute')}
      WHERE minute >= greatest(toStartOfHour(toDateTime({to:UInt32}, 'UTC')), toDateTime({from:UInt32}, 'UTC'))
        AND minute < toDateTime({to:UInt32}, 'UTC')
        AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    )
    GROUP BY tenant_id, feature, t
    HAVING cost > 0`,
    { from: Math.floor(p.fromMs / 1000), to: Math.ceil(p.toMs / 1000), tenant: p.tenant },
  )
}
