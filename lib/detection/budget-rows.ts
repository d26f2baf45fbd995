import type { Store } from '../clickhouse/client'
import { crossingReason, crossingScore, evaluateBudgets, type BudgetStatus } from '../budgets/evaluate'
import { listBudgets } from '../budgets/store'
import { tenants } from '../queries/tenants'
import { severityFor } from './settings'
import type { CostAnomalyRow } from './types'

/**
 * Budget rows for the cost-anomaly detector, so a crossing goes through the
 * same alert, incident and notification path as every detector finding. The
 * subject is the budget's scope (tenant or tenant/feature), so one alert per
 * budget escalates as higher thresholds are reached.
 */
export function budgetRow(s: BudgetStatus): CostAnomalyRow {
  const score = crossingScore(s)
  const b = s.budget
  return {
    kind: 'budget',
    subject: b.feature ? `${b.tenant_id}/${b.feature}` : b.tenant_id,
    subject_kind: b.feature ? 'feature' : 'tenant',
    tenant_id: b.tenant_id,
    feature: b.feature,
    model: '',
    app_version: '',
    score,
    severity: severityFor(score),
    z: 0,
    ratio: s.share,
    current: s.measured === 'forecast' ? s.forecastMicros! : s.monthToDateMicros,
    expected: b.monthly_micros,
    requests: 0,
    cost_micros: s.monthToDateMicros,
    reasons: s.crossed === null ? [] : [crossingReason(s)],
    baseline: {
      kind: 'none',
      median: 0,
      mad: 0,
      samples: s.forecast.historyDays,
      description: s.forecast.status === 'ok' ? s.forecast.method : s.forecast.reason,
    },
    series: [],
    budget: { month_to_date_micros: s.monthToDateMicros, forecast_micros: s.forecastMicros ?? s.monthToDateMicros, budget_micros: b.monthly_micros },
  }
}

/** Every budget in force (app and seeds), evaluated at `now`; `tenant` narrows to one tenant. */
export async function budgetAlertRows(store: Store, now: number, tenant = ''): Promise<CostAnomalyRow[]> {
  const all = await listBudgets(store, await tenants(store))
  const statuses = await evaluateBudgets(
    store,
    all.filter((b) => !tenant || b.tenant_id === tenant),
    now,
  )
  return statuses.map(budgetRow)
}
