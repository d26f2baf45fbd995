'use client'
import type { DetectorName, DetectorRanking } from '@/lib/detection/types'
import { useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

/** Widest window each detector's API accepts (per-install detectors 24 h, farms 7 d). */
export const DETECTOR_MAX_RANGE_MS: Record<DetectorName, number> = {
  prompt_bombing: 86_400_000,
  stream_abuse: 86_400_000,
  emulator_farms: 7 * 86_400_000,
  cost_anomalies: 31 * 86_400_000,
}

/** Rankings of one detector over the global range (clamped to what the detector allows) and tenant. */
export function useDetectorRanking<N extends DetectorName>(name: N, params: { limit?: number } = {}) {
  const p = useDashboardParams()
  const window = p.absoluteWindow(DETECTOR_MAX_RANGE_MS[name])
  return useApiQuery<DetectorRanking<N>>(`/api/detectors/${name}`, { ...params, ...window, tenant: p.tenant }, { withRange: false, liveMs: 30_000 })
}
