'use client'
import type { TenantsResponse } from '@/lib/dashboard/types'
import { useApiQuery } from './api'

export function useTenants() {
  return useApiQuery<TenantsResponse>('/api/tenants', {}, { withRange: false, liveMs: 300_000 })
}
