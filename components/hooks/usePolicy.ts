'use client'
import { useCallback, useEffect, useState } from 'react'
import type { BlastRadius } from '@/lib/policy/blast'
import type { ChangeStatus } from '@/lib/policy/history'
import type { Proposal } from '@/lib/policy/proposals'
import type { ChangeRequest, Rule } from '@/lib/policy/types'

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message)
  }
}

/** JSON fetch against our API; errors carry the server's message (role limits, confirmation counts…). */
export async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(path, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  })
  const data = (await res.json().catch(() => ({}))) as { error?: string; details?: unknown }
  if (!res.ok) throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`, data.details)
  return data as T
}

/** Polls a GET endpoint; `reload` refetches at once (after a mutation). */
function usePolled<T>(path: string, everyMs: number) {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const reload = useCallback(() => {
    api<T>(path).then((d) => { setData(d); setError(null) }, (e: Error) => setError(e.message))
  }, [path])
  useEffect(() => {
    reload()
    const t = setInterval(reload, everyMs)
    return () => clearInterval(t)
  }, [reload, everyMs])
  return { data, error, reload }
}

export type PolicyView = { version: number; rules: (Rule & { active: boolean })[]; proposals: Proposal[]; limits: { responderMaxInstalls: number; responderMaxHours: number; secondApprover: boolean } }

export function usePolicy(everyMs = 5_000) {
  return usePolled<PolicyView>('/api/policy', everyMs)
}

export function usePolicyHistory(limit = 50, everyMs = 5_000) {
  return usePolled<{ changes: ChangeStatus[] }>(`/api/policy/history?limit=${limit}`, everyMs)
}

export type DryRun = { radius: BlastRadius; rulesWritten: number; confirmCount: number; allowed: { ok: boolean; reason?: string }; needsApproval: boolean }
export type ApplyResult = { status: 'applied'; version: number; rules: number } | { status: 'pending'; proposal: Proposal }

export function usePolicyActions() {
  return {
    dryRun: (req: ChangeRequest, lookbackHours = 1) => api<DryRun>('/api/policy/dry-run', { method: 'POST', body: { ...req, lookbackHours } }),
    apply: (req: ChangeRequest) => api<ApplyResult>('/api/policy/changes', { method: 'POST', body: req }),
    undo: (version: number, reason: string) => api<ApplyResult>('/api/policy/undo', { method: 'POST', body: { version, reason } }),
    decide: (id: string, approve: boolean) => api<{ status: string }>(`/api/policy/proposals/${encodeURIComponent(id)}`, { method: 'POST', body: { approve } }),
  }
}

export function useMe() {
  return usePolled<{ user: { userId: string; displayName: string; role: 'viewer' | 'responder' | 'admin' } }>('/api/auth/me', 60_000)
}
