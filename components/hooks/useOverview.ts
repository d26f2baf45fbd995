'use client'
import type { CostDimension, OverviewKpis, SpendersPage, StackedSeries, TrafficSeries } from '@/lib/dashboard/types'
import { apiUrl, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

export function useOverviewKpis() {
  return useApiQuery<OverviewKpis>('/api/overview/kpis')
}

export function useSpendSeries(by: CostDimension) {
  return useApiQuery<StackedSeries>('/api/overview/spend', { by })
}

export function useTrafficSeries() {
  return useApiQuery<TrafficSeries>('/api/overview/traffic')
}

export function useAttestationSeries() {
  return useApiQuery<StackedSeries>('/api/overview/attestation')
}

/** One page of a server-sorted table, in the API's one paging shape (lib/paging.ts). */
export interface PageRequest {
  sort: string
  dir: 'asc' | 'desc'
  offset: number
  limit: number
}

export function useTopSpenders(p: PageRequest) {
  return useApiQuery<SpendersPage>('/api/overview/top-spenders', { ...p })
}

/** Download link for every install of the window in the table's order (streamed by the server). */
export function useTopSpendersExportUrl(p: Pick<PageRequest, 'sort' | 'dir'>): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/overview/top-spenders/export', { ...apiParams, sort: p.sort, dir: p.dir })
}
