import type { Store } from '../clickhouse/client'
import type { BudgetStatusView, BudgetSummary } from '../dashboard/types'
import { hourlySpend } from '../queries/hourly-spend'
import { tenants } from '../queries/tenants'
import { forecastWindow, scopeHours, statusesFrom } from './evaluate'
import { forecastMonthEnd } from './forecast'
import { listBudgets } from './store'

/**
 * The Cost page's month: spend so far, the month-end forecast with its band
 * (statusesFrom in evaluate.ts, the same function the budget alerts use), the
 * scope's budget (the sum of its tenants' budgets) and every budget in scope
 * with where it stands. One spend query serves all of them.
 */
export async function budgetSummary(store: Store, tenant: string, now = Date.now()): Promise<BudgetSummary> {
  const known = await tenants(store)
  const all = await listBudgets(store, known)
  const inScope = all.filter((b) => !tenant || b.tenant_id === tenant)
  const rows = await hourlySpend(store, { ...forecastWindow(now), tenant, byFeature: inScope.some((b) => b.feature !== '') })
  const scope = scopeHours(rows, () => true)
  const forecast = forecastMonthEnd(scope.hours, now, scope.first)
  const tenantBudgets = inScope.filter((b) => b.feature === '')
  const budgets: BudgetStatusView[] = statusesFrom(rows, inScope, now).map((s) => ({
    ...s.budget,
    monthToDateMicros: s.monthToDateMicros,
    forecastMicros: s.forecastMicros,
    share: s.share,
    measured: s.measured,
    crossed: s.crossed,
  }))
  return {
    monthStart: forecast.monthStart,
    monthEnd: forecast.monthEnd,
    now,
    monthToDateMicros: forecast.monthToDateMicros,
    forecast,
    budgetMicros: tenantBudgets.length ? tenantBudgets.reduce((s, b) => s + b.monthly_micros, 0) : null,
    budgets,
    tenants: known,
  }
}
