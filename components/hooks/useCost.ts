'use client'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { Budget, BudgetInput } from '@/lib/budgets/store'
import type { AbuseTax, BudgetSummary, CostBreakdownRow, CostDimension, Page, StackedSeries, UnpricedModel } from '@/lib/dashboard/types'
import { apiUrl, fetchJson, useApiQuery, type ApiError } from './api'
import { useDashboardParams } from './useDashboardParams'
import type { PageRequest } from './useOverview'

export type Granularity = 'auto' | 'hour' | 'day'
export type CostMetric = 'spend' | 'per_request' | 'per_1k_tokens' | 'per_install'

export function useCostSeries(by: CostDimension, granularity: Granularity, metric: CostMetric = 'spend') {
  return useApiQuery<StackedSeries>('/api/cost/series', { by, granularity, metric: metric === 'spend' ? undefined : metric })
}

export function useCostBreakdown(by: CostDimension, p: PageRequest) {
  return useApiQuery<Page<CostBreakdownRow>>('/api/cost/breakdown', { by, ...p })
}

/** Download link for exactly the breakdown rows on screen (same parameters as useCostBreakdown). */
export function useCostExportUrl(by: CostDimension, p: PageRequest): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/cost/export', { ...apiParams, by, ...p })
}

/** Download link for every breakdown row in the table's order (streamed by the server). */
export function useCostExportAllUrl(by: CostDimension, p: Pick<PageRequest, 'sort' | 'dir'>): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/cost/export', { ...apiParams, by, sort: p.sort, dir: p.dir, all: 'true' })
}

/** Download link for the cost chart's data: every bucket and value of `by` (streamed by the server). */
export function useCostSeriesExportUrl(by: CostDimension, granularity: Granularity): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/cost/series/export', { ...apiParams, by, granularity })
}

export function useBudget() {
  const { tenant } = useDashboardParams()
  return useApiQuery<BudgetSummary>('/api/cost/budget', { tenant }, { withRange: false })
}

/** Models whose calls in the range have no price, so every spend figure leaves them out. */
export function useUnpricedModels() {
  return useApiQuery<UnpricedModel[]>('/api/cost/unpriced')
}

export function useAbuseTax() {
  return useApiQuery<AbuseTax>('/api/cost/abuse-tax')
}

const BUDGETS_URL = '/api/budgets'
const refreshesBudgets = (key: readonly unknown[]) =>
  key[0] === 'api' && ['/api/cost/budget', BUDGETS_URL, '/api/audit'].some((p) => String(key[1] ?? '').startsWith(p))

/** PUT /api/budgets: set a tenant or feature budget (finance, admin). */
export function useSaveBudget() {
  const client = useQueryClient()
  return useMutation<{ budget: Budget }, ApiError, BudgetInput>({
    mutationFn: (b) => fetchJson(BUDGETS_URL, { method: 'PUT', body: JSON.stringify(b) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => refreshesBudgets(q.queryKey) }),
  })
}

/** DELETE /api/budgets: remove a budget (a seeded one too). */
export function useDeleteBudget() {
  const client = useQueryClient()
  return useMutation<{ deleted: boolean }, ApiError, { tenant_id: string; feature: string }>({
    mutationFn: (b) => fetchJson(BUDGETS_URL, { method: 'DELETE', body: JSON.stringify(b) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => refreshesBudgets(q.queryKey) }),
  })
}
