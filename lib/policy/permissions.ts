import { HttpError } from '../errors'
import { settings } from '../config'
import type { Principal } from '../auth/roles'
import { requestedControls } from './plan'
import { isActive, type ChangeRequest, type Controls, type Rule, type RuleChange } from './types'

export interface PolicyLimits {
  responderMaxInstalls: number
  responderMaxHours: number
  secondApprover: boolean
}

export function limitsFromEnv(source: Record<string, string | undefined> = process.env): PolicyLimits {
  const env = settings(['POLICY_RESPONDER_MAX_INSTALLS', 'POLICY_RESPONDER_MAX_HOURS', 'POLICY_SECOND_APPROVER'], source)
  return {
    responderMaxInstalls: env.POLICY_RESPONDER_MAX_INSTALLS,
    responderMaxHours: env.POLICY_RESPONDER_MAX_HOURS,
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
  if (c.degrade && c.degrade.maxContextTokens < BLOCK_FLOORS.maxContextTokens)
    low.push(`degrade.maxContextTokens ${c.degrade.maxContextTokens} < ${BLOCK_FLOORS.maxContextTokens}`)
  if (c.degrade && c.degrade.maxOutputTokens < BLOCK_FLOORS.maxOutputTokens)
    low.push(`degrade.maxOutputTokens ${c.degrade.maxOutputTokens} < ${BLOCK_FLOORS.maxOutputTokens}`)
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
  if (low.length)
    throw new HttpError(403, `limits this low block every install of the ${req.scope} like a revocation (${low.join(', ')}): requires role admin`, {
      floors: BLOCK_FLOORS,
    })
}

/**
 * The active rules a request matching `w` could also fall under, broader than
 * it. A feature's are its tenant's and the global one. An install rule's key
 * does not say which tenant the install belongs to, so every tenant and
 * feature rule counts: conservative, and responders use install rules to
 * tighten, which this never refuses.
 */
function broaderRules(w: RuleChange, current: ReadonlyMap<string, Rule>, nowMs: number): Rule[] {
  const keys =
    w.scope === 'tenant'
      ? ['global:*']
      : w.scope === 'feature'
        ? [`tenant:${w.subject.split('/')[0]}`, 'global:*']
        : w.scope === 'install'
          ? [...current.keys()].filter((k) => !k.startsWith('install:'))
          : []
  return keys.map((k) => current.get(k)).filter((r): r is Rule => !!r && isActive(r, nowMs))
}

const NUMERIC_LIMITS = ['tokensPerMinute', 'tokensPerDay', 'spendPerDayMicros', 'maxContextTokens', 'maxOutputTokens', 'maxConcurrentStreams'] as const

/**
 * Controls in `narrow` that are looser than the same control in a broader
 * rule. resolve.ts takes each control from the most specific rule, so such a
 * narrower rule lifts its subject above the broader cap (issue 18, F3).
 */
export function liftsAbove(narrow: Controls, broader: Rule[]): string[] {
  const found: string[] = []
  for (const b of broader) {
    for (const name of NUMERIC_LIMITS) {
      const mine = narrow[name]
      const theirs = b.controls[name]
      if (mine !== undefined && theirs !== undefined && mine > theirs) found.push(`${name} ${mine} > ${theirs} of ${b.key}`)
    }
    const [mine, theirs] = [narrow.degrade, b.controls.degrade]
    // A risky-only degrade in the narrow rule would exempt clean installs from a broader degrade of every install.
    if (
      mine &&
      theirs &&
      (mine.maxContextTokens > theirs.maxContextTokens || mine.maxOutputTokens > theirs.maxOutputTokens || (mine.riskyOnly && !theirs.riskyOnly))
    ) {
      found.push(`degrade looser than ${b.key}`)
    }
  }
  return found
}

/** The controls a write sets to a new value: one it keeps as it was is not this change's doing. */
function changedControls(w: RuleChange): Controls {
  const before = w.before?.controls ?? {}
  const after = w.after?.controls ?? {}
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof Controls]))) as Controls
}

/**
 * Clearing or restoring rules: a responder may only touch temporary, non-global
 * rules, and never write a rule looser than a broader one in force (given the
 * current rules; callers that plan against them pass them).
 */
export function checkRewriteAllowed(p: Principal, writes: RuleChange[], limits: PolicyLimits, current?: ReadonlyMap<string, Rule>, nowMs = Date.now()) {
  if (p.role === 'admin') return
  if (current) {
    for (const w of writes) {
      const lifted = w.after ? liftsAbove(changedControls(w), broaderRules(w, current, nowMs)) : []
      if (lifted.length)
        throw new HttpError(403, `rule ${w.key} would lift limits set by a broader rule (${lifted.slice(0, 3).join('; ')}): requires role admin`)
    }
  }
  if (writes.length > limits.responderMaxInstalls) throw new HttpError(403, `responders may change at most ${limits.responderMaxInstalls} rules at once`)
  for (const w of writes) {
    if (w.scope === 'global') throw new HttpError(403, 'global rules require role admin')
    for (const r of [w.before, w.after]) {
      if (r && r.until === null) throw new HttpError(403, `rule ${w.key} is permanent: requires role admin`)
      if (r && r.scope !== 'install' && revokes(r.controls)) throw new HttpError(403, `rule ${w.key} revokes or blocks a whole ${r.scope}: requires role admin`)
    }
  }
}
