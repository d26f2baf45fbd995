'use client'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { AlertDetailResponse, AlertListResponse, AlertTransitionRequest, AlertTransitionResponse } from '@/lib/alerts/types'
import { fetchJson, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

/** The alerts API keeps 31 days. */
const MAX_ALERT_RANGE_MS = 31 * 86_400_000

export interface AlertListRequest {
  /** Comma list of states; omitted = every state. */
  state?: string
  severity?: string
  detector?: string
  /** Exact subject: an install id, cluster id or cost series. */
  subject?: string
  sort?: 'last_seen' | 'first_seen' | 'score' | 'severity'
  limit?: number
  offset?: number
  /** Only alerts seen in the global time range (default); false = the API's default window, for "open now" counts. */
  inRange?: boolean
}

/**
 * "Unresolved" = open + acknowledged, in the alerts API's default window (not
 * the page's range: an alert still open matters whatever range is shown). The
 * overview tile and the alert panel both ask exactly this, so they share one
 * cached response and cannot disagree.
 */
export const UNRESOLVED: AlertListRequest = { state: 'open,acknowledged', limit: 8, inRange: false }

export function useAlerts({ inRange = true, ...filter }: AlertListRequest = {}) {
  const p = useDashboardParams()
  const window = inRange ? p.absoluteWindow(MAX_ALERT_RANGE_MS) : undefined
  return useApiQuery<AlertListResponse>(
    '/api/alerts',
    { ...filter, from: window?.from, to: window?.to, tenant: p.tenant },
    { withRange: false, liveMs: 15_000 },
  )
}

export function useAlert(id: string | null) {
  return useApiQuery<AlertDetailResponse>(`/api/alerts/${encodeURIComponent(id ?? '')}`, {}, { withRange: false, enabled: !!id })
}

/** Acknowledge / resolve / snooze / reopen (through the alert's incident); refreshes every alert and incident query afterwards. */
export function useAlertTransition() {
  const client = useQueryClient()
  return useMutation<AlertTransitionResponse, Error, { id: string } & AlertTransitionRequest>({
    mutationFn: ({ id, ...body }) =>
      fetchJson<AlertTransitionResponse>(`/api/alerts/${encodeURIComponent(id)}/transition`, { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => /^\/api\/(alerts|incidents)/.test(String(q.queryKey[1] ?? '')) }),
  })
}
