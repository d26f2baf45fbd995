import { HttpError } from '../http/errors'
import type { Principal } from '../auth/roles'
import { requestedControls } from './plan'
import type { ChangeRequest, Controls, RuleChange } from './types'

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
 * Below these, a limit blocks (nearly) every call rather than throttling:
 * a block of a whole tenant or feature is a revocation, which only admins may
 * make (docs/policy.md, "Who may do what"). Grounded in real calls: the
 * smallest prompt a mobile LLM feature sends (system prompt + a short message)
 * is a few hundred tokens, the shortest useful answer a few dozen; an ordinary
 * call is ~1,000 tokens (the simulator's feature medians are 350-1,600 context
 * and 120-320 output tokens) and costs up to ~$0.0075 on the dearest model in
 * the price catalogue. Each rate limit must admit at least one ordinary call
 * per period, each per-call cap at least a minimal call.
 */
export const BLOCK_FLOORS = {
  maxContextTokens: 256,
  maxOutputTokens: 64,
  tokensPerMinute: 1_000,
  tokensPerDay: 1_000,
  spendPerDayMicros: 10_000,
  maxConcurrentStreams: 1,
} as const

/** The limits of `c` under their floor (risky-only degrades too: a block of every risky install is still tenant-wide). */
function blockingLimits(c: Controls): string[] {
  const low: string[] = []
  for (const [name, floor] of Object.entries(BLOCK_FLOORS) as [keyof typeof BLOCK_FLOORS, number][]) {
    const value = c[name]
    if (value !== undefined && value < floor) low.push(`${name} ${value} < ${floor}`)
  }
  if (c.degrade && c.degrade.maxContextTokens < BLOCK_FLOORS.maxContextTokens) low.push(`degrade.maxContextTokens ${c.degrade.maxContextTokens} < ${BLOCK_FLOORS.maxContextTokens}`)
  if (c.degrade && c.degrade.maxOutputTokens < BLOCK_FLOORS.maxOutputTokens) low.push(`degrade.maxOutputTokens ${c.degrade.maxOutputTokens} < ${BLOCK_FLOORS.maxOutputTokens}`)
  return low
}

const revokes = (c: Controls) => c.revoked === true || blockingLimits(c).length > 0

/**
 * What a responder (on-call) may do: temporary rules up to a duration, on up
 * to a number of installs, never at global scope and never a tenant- or
 * feature-wide revocation, which includes limits under BLOCK_FLOORS. Admins
 * may do everything. Viewers never reach here (route() requires responder).
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
  const low = req.scope === 'install' ? [] : blockingLimits(requestedControls(req) ?? {})
  if (low.length) throw new HttpError(403, `limits this low block every install of the ${req.scope} like a revocation (${low.join(', ')}): requires role admin`, { floors: BLOCK_FLOORS })
}

/** Clearing or restoring rules: a responder may only touch temporary, non-global rules. */
export function checkRewriteAllowed(p: Principal, writes: RuleChange[], limits: PolicyLimits) {
  if (p.role === 'admin') return
  if (writes.length > limits.responderMaxInstalls) throw new HttpError(403, `responders may change at most ${limits.responderMaxInstalls} rules at once`)
  for (const w of writes) {
    if (w.scope === 'global') throw new HttpError(403, 'global rules require role admin')
    for (const r of [w.before, w.after]) {
      if (r && r.until === null) throw new HttpError(403, `rule ${w.key} is permanent: requires role admin`)
      if (r && r.scope !== 'install' && revokes(r.controls)) throw new HttpError(403, `rule ${w.key} revokes or blocks a whole ${r.scope}: requires role admin`)
    }
  }
}
