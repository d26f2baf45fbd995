'use client'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { IncidentDetailResponse, IncidentListResponse, IncidentTransitionResponse } from '@/lib/alerts/incident-types'
import type { AlertTransitionRequest } from '@/lib/alerts/types'
import { apiUrl, fetchJson, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

/** The incidents API keeps 31 days, like alerts. */
const MAX_RANGE_MS = 31 * 86_400_000

export interface IncidentFilter {
  /** Comma list of states; omitted = every state. */
  state?: string
  severity?: string
  detector?: string
  sort?: 'last_seen' | 'first_seen' | 'score' | 'severity'
  limit?: number
  offset?: number
}

/** The page's range and tenant as the incidents API takes them. */
function useIncidentScope() {
  const p = useDashboardParams()
  const window = p.absoluteWindow(MAX_RANGE_MS)
  // The window ends at the start of this minute; a preset range also covers the minute under way, so an
  // incident opened seconds ago is listed at once (the query key still changes once a minute).
  const to = p.range === 'custom' ? window.to : window.to + 60_000
  const from = Math.max(window.from, to - MAX_RANGE_MS)
  return { from, to, tenant: p.tenant }
}

/** GET /api/incidents in the page's range and tenant. */
export function useIncidents(filter: IncidentFilter = {}) {
  return useApiQuery<IncidentListResponse>('/api/incidents', { ...filter, ...useIncidentScope() }, { withRange: false, liveMs: 15_000 })
}

/** Download link for every incident of the filters, range and tenant, in the list's order (streamed by the server). */
export function useIncidentsExportUrl(filter: Omit<IncidentFilter, 'limit' | 'offset'>): string {
  return apiUrl('/api/incidents/export', { ...filter, ...useIncidentScope() })
}

/** GET /api/incidents/[id]: the incident, its alerts with evidence, and its history. */
export function useIncident(id: string | null) {
  return useApiQuery<IncidentDetailResponse>(`/api/incidents/${encodeURIComponent(id ?? '')}`, {}, { withRange: false, enabled: !!id, liveMs: 15_000 })
}

/** POST /api/incidents/[id]/transition; refreshes every incident and alert query afterwards. */
export function useIncidentTransition() {
  const client = useQueryClient()
  return useMutation<IncidentTransitionResponse, Error, { id: string } & AlertTransitionRequest>({
    mutationFn: ({ id, ...body }) =>
      fetchJson<IncidentTransitionResponse>(`/api/incidents/${encodeURIComponent(id)}/transition`, { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => /^\/api\/(incidents|alerts)/.test(String(q.queryKey[1] ?? '')) }),
  })
}
