import { describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { checkChangeAllowed, checkRewriteAllowed } from '../../lib/policy/permissions'
import { planChange, planUndo } from '../../lib/policy/plan'
import { resolveControls } from '../../lib/policy/resolve'
import type { ChangeRequest, Controls, Rule, RuleChange, Scope } from '../../lib/policy/types'

const T = 1_700_000_000_000
const MIN = 60_000
const responder: Principal = { userId: 'rita', displayName: 'Rita', role: 'responder', provider: 'local' }
const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const limits = { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false }

const req = (extra: Partial<ChangeRequest>): ChangeRequest => ({
  scope: 'install',
  subjects: ['i1'],
  action: 'quota',
  controls: {},
  durationMinutes: 60,
  reason: 'incident',
  ...extra,
})
const rule = (scope: Scope, subject: string, controls: Controls, until: number | null, version = 1): Rule => ({
  key: `${scope}:${subject}`,
  scope,
  subject,
  controls,
  until,
  reason: 'r',
  author: 'a',
  version,
  updatedAt: 0,
})

/** Commits writes the way PolicyService does: version stamped, after replaces the rule. */
function commit(current: Map<string, Rule>, writes: RuleChange[], version: number, nowMs: number): RuleChange[] {
  const stamped = writes.map((w) => ({ ...w, after: w.after && { ...w.after, version, updatedAt: nowMs } }))
  for (const w of stamped) {
    if (w.after) current.set(w.key, w.after)
    else current.delete(w.key)
  }
  return stamped
}
const ctx = { tenantId: 't1', feature: 'chat', installId: 'i1' }

describe('tenant- and feature-wide limits that block every call are revocations', () => {
  const blocking: [Scope, string, Partial<ChangeRequest>][] = [
    ['tenant', 't1', { controls: { tokensPerMinute: 0 } }],
    ['tenant', 't1', { controls: { maxContextTokens: 0 } }],
    ['tenant', 't1', { controls: { tokensPerMinute: 99 } }],
    ['tenant', 't1', { controls: { maxContextTokens: 200 } }],
    ['tenant', 't1', { controls: { maxOutputTokens: 0 } }],
    ['tenant', 't1', { controls: { tokensPerDay: 0 } }],
    ['tenant', 't1', { controls: { spendPerDayMicros: 0 } }],
    ['tenant', 't1', { controls: { maxConcurrentStreams: 0 } }],
    ['tenant', 't1', { action: 'degrade', controls: { degrade: { maxContextTokens: 0, maxOutputTokens: 500, riskyOnly: false } } }],
    ['tenant', 't1', { action: 'degrade', controls: { degrade: { maxContextTokens: 4000, maxOutputTokens: 0, riskyOnly: true } } }],
    ['feature', 't1/chat', { controls: { tokensPerMinute: 0 } }],
  ]
  it.each(blocking)('refuses a responder (admin allowed): %s %s %j', (scope, subject, extra) => {
    expect(() => checkChangeAllowed(responder, req({ scope, subjects: [subject], ...extra }), limits)).toThrow(expect.objectContaining({ status: 403 }))
    expect(() => checkChangeAllowed(admin, req({ scope, subjects: [subject], ...extra }), limits)).not.toThrow()
  })

  it('the floors are where calls start to pass: tokensPerMinute 0 denies every call of the tenant', async () => {
    const { PolicyEnforcer } = await import('../../lib/policy/enforcer')
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 1, rules: [rule('tenant', 't1', { tokensPerMinute: 0 }, null)] })
    expect(e.admit({ ...ctx, installId: 'any', contextTokens: 1, stream: false, nowMs: T })).toMatchObject({ allowed: false })
  })

  it('lets a responder throttle a tenant hard, and block single installs', () => {
    const ok: Partial<ChangeRequest>[] = [
      { scope: 'tenant', subjects: ['t1'], controls: { tokensPerMinute: 1000, maxContextTokens: 256, maxOutputTokens: 64, maxConcurrentStreams: 1 } },
      { scope: 'tenant', subjects: ['t1'], action: 'degrade', controls: { degrade: { maxContextTokens: 500, maxOutputTokens: 100, riskyOnly: true } } },
      // A quota request carrying a degrade only applies its limits (planChange drops the degrade).
      { scope: 'tenant', subjects: ['t1'], controls: { tokensPerDay: 50_000, degrade: { maxContextTokens: 0, maxOutputTokens: 0, riskyOnly: false } } },
      { scope: 'install', subjects: ['i1', 'i2'], controls: { tokensPerMinute: 0, maxContextTokens: 0 } },
    ]
    for (const extra of ok) expect(() => checkChangeAllowed(responder, req(extra), limits)).not.toThrow()
  })

  it('a responder may not rewrite (or undo into) a blocking tenant rule either', () => {
    const blockingRule = rule('tenant', 't1', { tokensPerMinute: 0 }, T + 60 * MIN)
    const w: RuleChange = { key: blockingRule.key, scope: 'tenant', subject: 't1', before: null, after: blockingRule }
    expect(() => checkRewriteAllowed(responder, [w], limits)).toThrow(expect.objectContaining({ status: 403 }))
    expect(() => checkRewriteAllowed(responder, [{ ...w, before: blockingRule, after: null }], limits)).toThrow(expect.objectContaining({ status: 403 }))
    const installRule = { ...blockingRule, key: 'install:i1', scope: 'install' as const, subject: 'i1' }
    expect(() => checkRewriteAllowed(responder, [{ ...w, key: 'install:i1', scope: 'install', subject: 'i1', after: installRule }], limits)).not.toThrow()
  })
})

describe('merging a change never shortens or drops the controls it leaves alone', () => {
  it('a 5-minute quota cannot cut short a 24 h revocation', () => {
    const current = new Map<string, Rule>()
    commit(current, planChange(current, req({ action: 'revoke', durationMinutes: 24 * 60 }), 'rita', T), 1, T)
    const now = T + 10 * MIN
    expect(() => planChange(current, req({ controls: { tokensPerMinute: 5000 }, durationMinutes: 5 }), 'bob', now)).toThrow(/revoked.*1430 minutes/s)
    // The revocation is untouched and still denies after the 5 minutes.
    expect(current.get('install:i1')?.until).toBe(T + 24 * 60 * MIN)
    expect(resolveControls(current, ctx, now + 6 * MIN).controls.revoked).toBe(true)
    // Asking for at least as long as the revocation has left works.
    const [w] = planChange(current, req({ controls: { tokensPerMinute: 5000 }, durationMinutes: 1430 }), 'bob', now)
    expect(w.after).toMatchObject({ controls: { revoked: true, tokensPerMinute: 5000 }, until: T + 24 * 60 * MIN })
  })

  it('a temporary revocation cannot make a permanent throttle expire with it; revoke permanently and undo keeps the throttle', () => {
    const current = new Map<string, Rule>()
    commit(current, planChange(current, req({ controls: { tokensPerMinute: 2000 }, durationMinutes: null }), 'alice', T), 1, T)
    expect(() => planChange(current, req({ action: 'revoke', durationMinutes: 60 }), 'alice', T + MIN)).toThrow(/tokensPerMinute.*permanent/s)
    expect(current.get('install:i1')).toMatchObject({ controls: { tokensPerMinute: 2000 }, until: null })

    const revoked = commit(current, planChange(current, req({ action: 'revoke', durationMinutes: null }), 'alice', T + MIN), 2, T + MIN)
    expect(current.get('install:i1')).toMatchObject({ controls: { tokensPerMinute: 2000, revoked: true }, until: null })
    commit(current, planUndo(current, revoked, 'alice', 'lifted', T + 2 * MIN), 3, T + 2 * MIN)
    expect(current.get('install:i1')).toMatchObject({ controls: { tokensPerMinute: 2000 }, until: null })
    expect(resolveControls(current, ctx, T + 365 * 24 * 60 * MIN).controls).toEqual({ tokensPerMinute: 2000 })
  })

  it('re-revoking for a shorter time does not shorten the revocation', () => {
    const current = new Map<string, Rule>()
    commit(current, planChange(current, req({ action: 'revoke', durationMinutes: 600 }), 'alice', T), 1, T)
    expect(() => planChange(current, req({ action: 'revoke', durationMinutes: 5 }), 'rita', T)).toThrow(/revoked/)
  })

  it('a change that replaces every control, or outlasts the rule, sets the expiry; expired rules do not count', () => {
    const current = new Map([rule('install', 'i1', { tokensPerMinute: 1000 }, T + 600 * MIN)].map((r) => [r.key, r]))
    // Same control, new value: the old value is gone, so is its expiry.
    expect(planChange(current, req({ controls: { tokensPerMinute: 500 }, durationMinutes: 5 }), 'rita', T)[0].after?.until).toBe(T + 5 * MIN)
    // Longer: the kept control lives as long as the rule (one expiry per rule).
    expect(planChange(current, req({ action: 'revoke', durationMinutes: 700 }), 'rita', T)[0].after).toMatchObject({
      controls: { tokensPerMinute: 1000, revoked: true },
      until: T + 700 * MIN,
    })
    // Expired: nothing is kept.
    expect(planChange(current, req({ action: 'revoke', durationMinutes: 5 }), 'rita', T + 601 * MIN)[0].after).toMatchObject({
      controls: { revoked: true },
      until: T + 606 * MIN,
    })
  })
})

describe('undo refuses to discard a later change', () => {
  it('refuses when the rule changed after the version, and works newest first', () => {
    const current = new Map<string, Rule>()
    const v1 = commit(current, planChange(current, req({ action: 'revoke', subjects: ['i1', 'i2'], durationMinutes: 60 }), 'rita', T), 1, T)
    const v2 = commit(current, planChange(current, req({ controls: { tokensPerMinute: 5000 }, durationMinutes: null }), 'alice', T + MIN), 2, T + MIN)
    expect(() => planUndo(current, v1, 'rita', 'wrong install', T + 2 * MIN)).toThrow(/install:i1.*changed after.*v2/s)
    expect(current.get('install:i1')?.controls).toEqual({ revoked: true, tokensPerMinute: 5000 })

    commit(current, planUndo(current, v2, 'alice', 'quota was a mistake', T + 2 * MIN), 3, T + 2 * MIN)
    // The rule is back to what v1 wrote (only reason/author/version differ): undoing v1 is safe now.
    const undo1 = planUndo(current, v1, 'rita', 'wrong install', T + 3 * MIN)
    expect(undo1.map((w) => w.after)).toEqual([null, null])
  })

  it('refuses when the rule was removed or rewritten later; skips rules already back to what the version overwrote', () => {
    const current = new Map<string, Rule>()
    commit(current, planChange(current, req({ controls: { tokensPerMinute: 1000 }, subjects: ['i1', 'i2'], durationMinutes: 600 }), 'rita', T), 1, T)
    const v2 = commit(current, planChange(current, req({ action: 'revoke', subjects: ['i1', 'i2'], durationMinutes: 600 }), 'rita', T), 2, T)
    commit(current, planChange(current, req({ action: 'clear' }), 'rita', T + MIN), 3, T + MIN)
    expect(() => planUndo(current, v2, 'rita', 'x', T + 2 * MIN)).toThrow(/install:i1.*removed after/s)

    // A later change that already restored what the version overwrote leaves nothing to undo there.
    const fresh = new Map<string, Rule>()
    const v1 = commit(fresh, planChange(fresh, req({ action: 'revoke' }), 'rita', T), 1, T)
    commit(fresh, planChange(fresh, req({ action: 'clear' }), 'rita', T + MIN), 2, T + MIN)
    expect(planUndo(fresh, v1, 'rita', 'x', T + 2 * MIN)).toEqual([])
    // Same controls but a new expiry: a different rule.
    commit(fresh, planChange(fresh, req({ action: 'revoke' }), 'rita', T + 2 * MIN), 3, T + 2 * MIN)
    expect(() => planUndo(fresh, v1, 'rita', 'x', T + 3 * MIN)).toThrow(/changed after/)
  })
})
