'use client'
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query'
import type {
  ApplyResponse,
  AuditListResponse,
  DryRunRequest,
  DryRunResponse,
  PolicyHistoryResponse,
  PolicyView,
  ProposalDecisionResponse,
  UndoRequest,
  UndoResponse,
} from '@/lib/policy/api-types'
import type { ChangeRequest } from '@/lib/policy/types'
import { postJson as post, useApiQuery, type ApiError } from './api'

/*
 * One hook per controls endpoint. Reads go through useApiQuery: polling
 * follows the global Live/Paused toggle, and stops after a 401/403 so a
 * viewer (or an expired session) is not refused every few seconds forever.
 * None of these endpoints take the global range or tenant (withRange: false),
 * so the cache key, and thus the one shared query per endpoint, does not
 * change with them: the Policies page and an install's policy panel read the
 * same /api/policy query. The signed-in user (for role gating) is useMe.ts.
 */

/** Policy state changes only through operators; 10 s is soon enough to see a colleague's change (our own invalidate at once). */
const POLICY_MS = 10_000
/** Propagation (time to enforce, denials since) is what the history is watched for. */
const HISTORY_MS = 5_000
const AUDIT_MS = 10_000

/** GET /api/policy: current rules, pending proposals, role limits. */
export function usePolicy() {
  return useApiQuery<PolicyView>('/api/policy', {}, { withRange: false, liveMs: POLICY_MS, stopOnDenied: true })
}

/** GET /api/policy/history: recent changes with their propagation. */
export function usePolicyHistory(limit = 50) {
  return useApiQuery<PolicyHistoryResponse>('/api/policy/history', { limit }, { withRange: false, liveMs: HISTORY_MS, stopOnDenied: true })
}

/** GET /api/audit (admins only). Pass enabled = false when the user is known not to be an admin. */
export function useAuditLog(action: string, { limit = 300, enabled = true }: { limit?: number; enabled?: boolean } = {}) {
  return useApiQuery<AuditListResponse>('/api/audit', { limit, action }, { withRange: false, liveMs: AUDIT_MS, stopOnDenied: true, enabled })
}

/** Query keys (['api', url]) a policy write makes stale: rules, history, and the audit log that records the write. */
export function isControlsQueryKey(key: readonly unknown[]): boolean {
  return key[0] === 'api' && /^\/api\/(policy|audit)(\/|\?|$)/.test(String(key[1] ?? ''))
}

function invalidateControls(client: QueryClient) {
  return client.invalidateQueries({ predicate: (q) => isControlsQueryKey(q.queryKey) })
}

/** POST /api/policy/dry-run: blast radius of a change; writes nothing, so invalidates nothing. */
export function useDryRun() {
  return useMutation<DryRunResponse, ApiError, DryRunRequest>({
    mutationFn: (req) => post<DryRunResponse>('/api/policy/dry-run', { lookbackHours: 1, ...req }),
  })
}

/** POST /api/policy/changes: apply (or propose, for a global change needing a second admin). */
export function useApplyChange() {
  const client = useQueryClient()
  return useMutation<ApplyResponse, ApiError, ChangeRequest>({
    mutationFn: (req) => post<ApplyResponse>('/api/policy/changes', req),
    onSuccess: () => invalidateControls(client),
  })
}

/** POST /api/policy/undo: a new version restoring what the given version overwrote. */
export function useUndoChange() {
  const client = useQueryClient()
  return useMutation<UndoResponse, ApiError, UndoRequest>({
    mutationFn: (req) => post<UndoResponse>('/api/policy/undo', req),
    onSuccess: () => invalidateControls(client),
  })
}

/** POST /api/policy/proposals/[id]: a second admin approves (applies) or rejects. */
export function useDecideProposal() {
  const client = useQueryClient()
  return useMutation<ProposalDecisionResponse, ApiError, { id: string; approve: boolean }>({
    mutationFn: ({ id, approve }) => post<ProposalDecisionResponse>(`/api/policy/proposals/${encodeURIComponent(id)}`, { approve }),
    onSuccess: () => invalidateControls(client),
  })
}
