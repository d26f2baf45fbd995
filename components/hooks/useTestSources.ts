'use client'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { SaveTestSourceRequest, TestSource, TestSourceKind, TestSourcesResponse } from '@/lib/test-sources/types'
import { fetchJson, useApiQuery, type ApiError } from './api'

/*
 * Declared test traffic (Settings): changed only by admins, so it polls
 * slowly; our own writes invalidate it at once, with the audit log.
 */
const URL = '/api/test-sources'
const refreshes = (key: readonly unknown[]) => key[0] === 'api' && [URL, '/api/audit'].some((p) => String(key[1] ?? '').startsWith(p))

/** GET /api/test-sources */
export function useTestSources(enabled = true) {
  return useApiQuery<TestSourcesResponse>(URL, {}, { withRange: false, liveMs: 30_000, stopOnDenied: true, enabled })
}

/** PUT /api/test-sources: declare or renew one source (admins). */
export function useDeclareTestSource() {
  const client = useQueryClient()
  return useMutation<{ source: TestSource }, ApiError, SaveTestSourceRequest>({
    mutationFn: (s) => fetchJson(URL, { method: 'PUT', body: JSON.stringify(s) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => refreshes(q.queryKey) }),
  })
}

/** DELETE /api/test-sources: end a declaration before it expires (admins). */
export function useRemoveTestSource() {
  const client = useQueryClient()
  return useMutation<{ removed: boolean }, ApiError, { tenant_id: string; kind: TestSourceKind; value: string }>({
    mutationFn: (k) => fetchJson(URL, { method: 'DELETE', body: JSON.stringify(k) }),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => refreshes(q.queryKey) }),
  })
}
