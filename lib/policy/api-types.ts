/**
 * Response shapes of the controls API (policy, audit log), as the route
 * handlers under app/api/{policy,audit} return them (GET /api/auth/me is
 * lib/auth/me-types.ts).
 * Declared once here so hooks and components agree with the server; the
 * handlers go through route(), which erases their return types, so these are
 * written out against the same lib types the handlers build their answers from.
 * Type-only imports: nothing server-side reaches the client bundle.
 */
import type { AuditEntry } from '../audit/list'
import type { BlastRadius } from './blast'
import type { ChangeStatus } from './history'
import type { PolicyLimits } from './permissions'
import type { Proposal } from './proposals'
import type { ChangeRequest, Rule } from './types'

/** A rule as GET /api/policy lists it: expired-but-not-cleared rules are kept with active = false. */
export type PolicyRuleView = Rule & { active: boolean }

/** GET /api/policy (app/api/policy/route.ts). Rules newest first; proposals are the pending ones only. */
export interface PolicyView {
  version: number
  rules: PolicyRuleView[]
  proposals: Proposal[]
  limits: PolicyLimits
}

/** GET /api/policy/history?limit (app/api/policy/history/route.ts). */
export interface PolicyHistoryResponse {
  changes: ChangeStatus[]
}

/** POST /api/policy/dry-run body: a change request plus the replay window (1–24 h, default 1). */
export type DryRunRequest = ChangeRequest & { lookbackHours?: number }

/** POST /api/policy/dry-run (app/api/policy/dry-run/route.ts). `allowed` says whether this user may apply it as is. */
export interface DryRunResponse {
  radius: BlastRadius
  rulesWritten: number
  /** Distinct subjects: the number a bulk change must repeat as confirmCount. */
  confirmCount: number
  allowed: { ok: boolean; reason?: string }
  /** Global change with a second approver configured: applying creates a proposal. */
  needsApproval: boolean
}

/** POST /api/policy/changes (app/api/policy/changes/route.ts). */
export type ApplyResponse = { status: 'applied'; version: number; rules: number } | { status: 'pending'; proposal: Proposal }

/** POST /api/policy/undo body and answer (app/api/policy/undo/route.ts); undo is always applied at once. */
export interface UndoRequest {
  version: number
  reason: string
}
export interface UndoResponse {
  status: 'applied'
  version: number
  rules: number
}

/** POST /api/policy/proposals/[id] (app/api/policy/proposals/[id]/route.ts). */
export type ProposalDecisionResponse = { status: 'applied'; version: number } | { status: Proposal['status'] }

/** GET /api/audit?limit&before&action&actor (app/api/audit/route.ts), admins only; newest first. */
export interface AuditListResponse {
  entries: AuditEntry[]
}
