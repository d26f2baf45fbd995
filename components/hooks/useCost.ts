'use client'
import type { AbuseTax, BudgetSummary, CostBreakdownRow, CostDimension, Page, StackedSeries } from '@/lib/dashboard/types'
import { apiUrl, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'
import type { PageRequest } from './useOverview'

export type Granularity = 'auto' | 'hour' | 'day'

export function useCostSeries(by: CostDimension, granularity: Granularity) {
  return useApiQuery<StackedSeries>('/api/cost/series', { by, granularity })
}

export function useCostBreakdown(by: CostDimension, p: PageRequest) {
  return useApiQuery<Page<CostBreakdownRow>>('/api/cost/breakdown', { by, ...p })
}

/** Download link for exactly the breakdown rows on screen (same parameters as useCostBreakdown). */
export function useCostExportUrl(by: CostDimension, p: PageRequest): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/cost/export', { ...apiParams, by, ...p })
}

export function useBudget() {
  const { tenant } = useDashboardParams()
  return useApiQuery<BudgetSummary>('/api/cost/budget', { tenant }, { withRange: false })
}

export function useAbuseTax() {
  return useApiQuery<AbuseTax>('/api/cost/abuse-tax')
}
