import { HttpError } from '../http/route'
import type { Principal } from '../auth/roles'
import type { ChangeRequest, RuleChange } from './types'

export interface PolicyLimits {
  responderMaxInstalls: number
  responderMaxHours: number
  secondApprover: boolean
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyLimits {
  return {
    responderMaxInstalls: Number(env.POLICY_RESPONDER_MAX_INSTALLS ?? 50),
    responderMaxHours: Number(env.POLICY_RESPONDER_MAX_HOURS ?? 24),
    secondApprover: env.POLICY_SECOND_APPROVER === '1',
  }
}

/**
 * Human in the loop for every caller: a change touching more than one subject
 * must name its count, so nobody revokes 300 installs thinking it was 3.
 */
export function checkConfirmation(req: ChangeRequest) {
  const n = new Set(req.subjects).size
  if (n > 1 && req.confirmCount !== n) {
    throw new HttpError(400, `this change affects ${n} subjects: confirm by sending confirmCount=${n}`, { count: n })
  }
}

/**
 * What a responder (on-call) may do: temporary rules up to a duration, on up
 * to a number of installs, never at global scope and never a tenant- or
 * feature-wide revocation. Admins may do everything. Viewers never reach here
 * (route() requires responder).
 */
export function checkChangeAllowed(p: Principal, req: ChangeRequest, limits: PolicyLimits) {
  if (p.role === 'admin') return
  if (p.role !== 'responder') throw new HttpError(403, 'requires role responder')
  const n = new Set(req.subjects).size
  if (req.scope === 'global') throw new HttpError(403, 'global rules require role admin')
  if (req.durationMinutes === null) throw new HttpError(403, 'permanent rules require role admin')
  if (req.durationMinutes > limits.responderMaxHours * 60) throw new HttpError(403, `responders may apply rules for at most ${limits.responderMaxHours} h`)
  if (n > limits.responderMaxInstalls) throw new HttpError(403, `responders may change at most ${limits.responderMaxInstalls} subjects at once; ask an admin`)
  if (req.action === 'revoke' && req.scope !== 'install') throw new HttpError(403, 'revoking a whole tenant or feature requires role admin')
}

/** Clearing or restoring rules: a responder may only touch temporary, non-global rules. */
export function checkRewriteAllowed(p: Principal, writes: RuleChange[], limits: PolicyLimits) {
  if (p.role === 'admin') return
  if (writes.length > limits.responderMaxInstalls) throw new HttpError(403, `responders may change at most ${limits.responderMaxInstalls} rules at once`)
  for (const w of writes) {
    if (w.scope === 'global') throw new HttpError(403, 'global rules require role admin')
    for (const r of [w.before, w.after]) {
      if (r && r.until === null) throw new HttpError(403, `rule ${w.key} is permanent: requires role admin`)
      if (r?.controls.revoked && r.scope !== 'install') throw new HttpError(403, 'tenant- or feature-wide revocations require role admin')
    }
  }
}
