'use client'
import type { CostDimension, OverviewKpis, SpendersPage, StackedSeries, TrafficSeries } from '@/lib/dashboard/types'
import { useApiQuery } from './api'

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
