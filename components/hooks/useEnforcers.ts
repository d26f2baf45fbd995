'use client'
import type { EnforcerSeen } from '@/lib/queries/enforcers'
import { useApiQuery } from './api'

export interface EnforcersResponse {
  version: number
  enforcers: (EnforcerSeen & { lagVersions: number })[]
}

/** GET /api/policy/enforcers: replicas of npm run enforcer, from their policy_ack heartbeats. */
export function useEnforcers() {
  return useApiQuery<EnforcersResponse>('/api/policy/enforcers', {}, { withRange: false, liveMs: 10_000, stopOnDenied: true })
}
