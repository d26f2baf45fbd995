'use client'
import type { DetectorName, DetectorRanking, FarmMembersPage, FarmMemberSort, OffsetPageRequest, RankingSort } from '@/lib/detection/types'
import { apiUrl, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

/** Widest window each detector's API accepts (per-install detectors 24 h, farms 7 d). */
export const DETECTOR_MAX_RANGE_MS: Record<DetectorName, number> = {
  prompt_bombing: 86_400_000,
  stream_abuse: 86_400_000,
  token_reuse: 86_400_000,
  emulator_farms: 7 * 86_400_000,
  cost_anomalies: 31 * 86_400_000,
}

/** One page of a detector's ranking over the global range (clamped to what the detector allows) and tenant. */
export function useDetectorRanking<N extends DetectorName>(name: N, page: OffsetPageRequest<RankingSort<N>> = {}) {
  const p = useDashboardParams()
  const window = p.absoluteWindow(DETECTOR_MAX_RANGE_MS[name])
  return useApiQuery<DetectorRanking<N>>(`/api/detectors/${name}`, { ...page, ...window, tenant: p.tenant }, { withRange: false, liveMs: 30_000 })
}

/** One page of a farm cluster's members, over the same window as the farm ranking. */
export function useFarmMembers(clusterId: string | undefined, page: OffsetPageRequest<FarmMemberSort>) {
  const p = useDashboardParams()
  const window = p.absoluteWindow(DETECTOR_MAX_RANGE_MS.emulator_farms)
  return useApiQuery<FarmMembersPage>(
    `/api/detectors/emulator_farms/${encodeURIComponent(clusterId ?? '')}/members`,
    { ...page, ...window },
    { withRange: false, liveMs: 30_000, enabled: !!clusterId },
  )
}

/**
 * Download link for a detector's whole ranking (or, for prompt bombing, its spend concentration) over the window
 * the table was drawn from, in the table's order; the server streams the CSV.
 */
export function useDetectorExportUrl(
  name: DetectorName,
  window: { from: number; to: number } | undefined,
  p: { sort?: string; dir?: 'asc' | 'desc'; table?: 'ranking' | 'concentration' } = {},
): string | undefined {
  const { tenant } = useDashboardParams()
  return window && apiUrl(`/api/detectors/${name}/export`, { ...p, from: window.from, to: window.to, tenant })
}

/** Download link for every member of a farm cluster over the window the member table was drawn from, in its order. */
export function farmMembersExportUrl(page: Pick<FarmMembersPage, 'cluster_id' | 'from' | 'to' | 'sort' | 'dir'>): string {
  const { cluster_id, ...q } = page
  return apiUrl(`/api/detectors/emulator_farms/${encodeURIComponent(cluster_id)}/members/export`, q)
}
