import type { Store } from '../clickhouse/client'
import type { BudgetSummary } from '../dashboard/types'
import { selectRows, table } from './sql'

const DAY_MS = 86_400_000
const RUN_RATE_WINDOW_MS = 7 * DAY_MS

/**
 * Month-to-date spend (UTC calendar month) per day and the month-end
 * forecast, from usage_minute. The run rate is the trailing 7 days' spend
 * divided by the time those days actually have data, so a store that has
 * only been running an hour forecasts from that hour instead of from 7 days
 * of mostly zeros.
 */
export async function budgetSummary(store: Store, tenant: string, budgetMicros: number | null, now = Date.now()): Promise<BudgetSummary> {
  const d = new Date(now)
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  const rateFrom = now - RUN_RATE_WINDOW_MS
  const rows = await selectRows<{ t: number; day_cost: number; in_rate_window: number; first_minute: number }>(store, `
    SELECT toUnixTimestamp(toStartOfDay(minute)) * 1000 AS t, sum(cost_micros) AS day_cost,
      sumIf(cost_micros, minute >= toDateTime({rateFrom:UInt32}, 'UTC')) AS in_rate_window,
      toUnixTimestamp(minIf(minute, minute >= toDateTime({rateFrom:UInt32}, 'UTC'))) * 1000 AS first_minute
    FROM ${table(store, 'usage_minute')}
    WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    GROUP BY t ORDER BY t`, {
    from: Math.floor(Math.min(monthStart, rateFrom) / 1000), to: Math.ceil(now / 1000) + 60,
    rateFrom: Math.floor(rateFrom / 1000), tenant,
  })
  const monthRows = rows.filter((r) => r.t >= monthStart)
  const monthToDateMicros = monthRows.reduce((s, r) => s + r.day_cost, 0)
  const rateSpend = rows.reduce((s, r) => s + r.in_rate_window, 0)
  const firstWithData = Math.min(...rows.filter((r) => r.in_rate_window > 0).map((r) => r.first_minute), now)
  const observedMs = Math.max(60_000, now - firstWithData)
  const runRatePerDayMicros = (rateSpend / observedMs) * DAY_MS
  const forecastMicros = monthToDateMicros + runRatePerDayMicros * ((monthEnd - now) / DAY_MS)
  return {
    monthStart, monthEnd, now, monthToDateMicros,
    forecastMicros: Math.round(forecastMicros), runRatePerDayMicros: Math.round(runRatePerDayMicros),
    budgetMicros, daily: monthRows.map((r) => ({ t: r.t, cost_micros: r.day_cost })),
  }
}
