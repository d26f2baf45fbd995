import { loadConfig } from '../config'

/**
 * Monthly budget of a scope in micro-dollars, from BUDGETS_JSON (per tenant)
 * and BUDGET_MONTHLY_MICROS (default per tenant), the same settings the
 * cost-anomaly detector alerts on. All tenants: the sum of their budgets.
 * null when no tenant in scope has one.
 */
export function monthlyBudgetMicros(tenant: string, knownTenants: string[]): number | null {
  const config = loadConfig() as { BUDGET_MONTHLY_MICROS?: number; BUDGETS_JSON?: string }
  let perTenant: Record<string, number> = {}
  try {
    const parsed: unknown = JSON.parse(config.BUDGETS_JSON ?? '{}')
    if (parsed && typeof parsed === 'object') perTenant = parsed as Record<string, number>
  } catch {
    // An unparsable BUDGETS_JSON is reported by the detector; the dashboard just shows no budget.
  }
  const fallback = config.BUDGET_MONTHLY_MICROS ?? 0
  const budgetOf = (t: string) => (typeof perTenant[t] === 'number' ? perTenant[t] : fallback)
  const scope = tenant ? [tenant] : knownTenants
  const total = scope.reduce((sum, t) => sum + budgetOf(t), 0)
  return total > 0 ? total : null
}
