'use client'
import type { DetectorName, DetectorRanking, FarmMembersPage, FarmMemberSort, OffsetPageRequest, RankingSort } from '@/lib/detection/types'
import { useApiQuery } from './api'
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
