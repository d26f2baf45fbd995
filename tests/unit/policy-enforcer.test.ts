import { describe, expect, it } from 'vitest'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import { planChange, planUndo } from '../../lib/policy/plan'
import { resolveControls } from '../../lib/policy/resolve'
import type { Controls, Rule, Scope } from '../../lib/policy/types'
import { EnforcedGenerator } from '../../lib/simulator/enforced'
import type { GatewayEventInput } from '../../lib/events/schema'

const rule = (scope: Scope, subject: string, controls: Controls, until: number | null = null, version = 1): Rule => ({
  key: `${scope}:${subject}`,
  scope,
  subject,
  controls,
  until,
  reason: 'test',
  author: 'a',
  version,
  updatedAt: 0,
})
const ctx = { tenantId: 't1', feature: 'chat', installId: 'i1' }
const T = 1_700_000_000_000

describe('precedence', () => {
  it('takes each control from the most specific active rule that sets it', () => {
    const rules = new Map(
      [
        rule('global', '*', { tokensPerMinute: 50_000, maxOutputTokens: 4000 }),
        rule('tenant', 't1', { tokensPerMinute: 10_000 }),
        rule('feature', 't1/chat', { maxOutputTokens: 500 }),
        rule('install', 'i1', { tokensPerMinute: 100_000 }, T - 1), // expired: ignored
      ].map((r) => [r.key, r]),
    )
    const { controls, source } = resolveControls(rules, ctx, T)
    expect(controls).toEqual({ tokensPerMinute: 10_000, maxOutputTokens: 500 })
    expect(source.tokensPerMinute?.key).toBe('tenant:t1')
    expect(resolveControls(rules, { ...ctx, tenantId: 't2' }, T).controls.tokensPerMinute).toBe(50_000)
  })

  it('applies a risky-only degrade only to installs with a rejected attestation', () => {
    const rules = new Map([rule('tenant', 't1', { degrade: { maxContextTokens: 1000, maxOutputTokens: 100, riskyOnly: true } })].map((r) => [r.key, r]))
    expect(resolveControls(rules, ctx, T).controls.degrade).toBeUndefined()
    expect(resolveControls(rules, { ...ctx, risky: true }, T).controls.degrade?.maxOutputTokens).toBe(100)
  })
})

describe('plan', () => {
  it('merges controls, sets one expiry, and undo restores the previous rule', () => {
    // Temporary and ending first: a shorter change may not end a kept control early (policy-plan.test.ts).
    const current = new Map([rule('install', 'i1', { tokensPerMinute: 1000 }, T + 1_800_000)].map((r) => [r.key, r]))
    const writes = planChange(
      current,
      { scope: 'install', subjects: ['i1', 'i2'], action: 'revoke', controls: {}, durationMinutes: 60, reason: 'farm' },
      'ops',
      T,
    )
    expect(writes).toHaveLength(2)
    expect(writes[0].after?.controls).toEqual({ tokensPerMinute: 1000, revoked: true })
    expect(writes[0].after?.until).toBe(T + 3_600_000)
    const after = new Map(writes.map((w) => [w.key, w.after!]))
    const undo = planUndo(after, writes, 'ops', 'mistake', T + 1)
    expect(undo[0].after?.controls).toEqual({ tokensPerMinute: 1000 })
    expect(undo[1].after).toBeNull()
    expect(() =>
      planChange(current, { scope: 'global', subjects: ['x'], action: 'quota', controls: { tokensPerDay: 1 }, durationMinutes: null, reason: 'bad' }, 'ops', T),
    ).toThrow(/global/)
  })
})

describe('PolicyEnforcer', () => {
  it('revokes, then lifts on removal', () => {
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 3, rules: [rule('install', 'i1', { revoked: true })] })
    const d = e.admit({ ...ctx, contextTokens: 10, stream: false, nowMs: T })
    expect(d).toMatchObject({ allowed: false, ruleKind: 'revoked', ruleId: 'install:i1', version: 3 })
    e.applyRule('install:i1', null, 4)
    expect(e.admit({ ...ctx, contextTokens: 10, stream: false, nowMs: T }).allowed).toBe(true)
    expect(e.version).toBe(4)
  })

  it('meters tokens per minute with a refilling bucket and caps output to what is left', () => {
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 1, rules: [rule('tenant', 't1', { tokensPerMinute: 6000 })] })
    const a = e.admit({ ...ctx, contextTokens: 5000, stream: false, nowMs: T })
    if (!a.allowed) throw new Error('expected allowed')
    expect(a.outputCap).toBe(1000)
    a.settle({ promptTokens: 5000, completionTokens: 1000, costMicros: 0, nowMs: T })
    expect(e.admit({ ...ctx, contextTokens: 100, stream: false, nowMs: T + 500 })).toMatchObject({ allowed: false, ruleKind: 'tokens_per_minute' })
    // 30 s later half the bucket is back.
    expect(e.admit({ ...ctx, contextTokens: 2500, stream: false, nowMs: T + 30_000 }).allowed).toBe(true)
    // Another install of the tenant has its own bucket.
    expect(e.admit({ ...ctx, installId: 'i2', contextTokens: 5000, stream: false, nowMs: T }).allowed).toBe(true)
  })

  it('limits concurrent streams and context size', () => {
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 1, rules: [rule('install', 'i1', { maxConcurrentStreams: 1, maxContextTokens: 2000 })] })
    const s1 = e.admit({ ...ctx, contextTokens: 10, stream: true, nowMs: T })
    expect(s1.allowed).toBe(true)
    expect(e.admit({ ...ctx, contextTokens: 10, stream: true, nowMs: T })).toMatchObject({ allowed: false, ruleKind: 'max_concurrent_streams' })
    if (s1.allowed) s1.settle({ promptTokens: 10, completionTokens: 10, costMicros: 1, nowMs: T })
    expect(e.admit({ ...ctx, contextTokens: 10, stream: true, nowMs: T }).allowed).toBe(true)
    expect(e.admit({ ...ctx, contextTokens: 3000, stream: false, nowMs: T })).toMatchObject({ allowed: false, ruleKind: 'max_context_tokens' })
  })
})

describe('EnforcedGenerator', () => {
  const head = { schema_version: 1 as const, tenant_id: 't1', install_id: 'i1', app_id: 'com.x', app_version: '1', platform: 'android' as const }
  const call = (n: number, ts: number): GatewayEventInput => ({
    ...head,
    event_id: `e${n}`,
    ts,
    type: 'llm_request',
    feature: 'chat',
    model: 'gpt-4o-mini',
    prompt_tokens: 1000,
    completion_tokens: 800,
    context_tokens: 1000,
    prompt_bytes: 4000,
    outcome: 'served',
    cost_micros: 5,
  })
  it('turns calls of a revoked install into denials, caps output, and acks each applied version', () => {
    const e = new PolicyEnforcer()
    const gen = new EnforcedGenerator({ generate: (from) => [call(from, from)] }, e)
    expect(gen.generate(T, T + 1000)[0]).toMatchObject({ type: 'llm_request', outcome: 'served' })
    e.applyChange(7, [{ key: 'install:i1', after: rule('install', 'i1', { maxOutputTokens: 100 }, null, 7) }])
    const capped = gen.generate(T + 1000, T + 2000)
    expect(capped[0]).toMatchObject({ type: 'llm_request', outcome: 'cut_by_policy', completion_tokens: 100 })
    expect(capped[0]).not.toHaveProperty('cost_micros')
    expect(capped[1]).toMatchObject({ type: 'policy_ack', policy_version: 7, gateway_id: 'simulator' })
    e.applyChange(8, [{ key: 'install:i1', after: rule('install', 'i1', { revoked: true }, null, 8) }])
    const denied = gen.generate(T + 2000, T + 3000)
    expect(denied[0]).toMatchObject({
      type: 'policy_denial',
      rule_kind: 'revoked',
      rule_id: 'install:i1',
      policy_version: 8,
      install_id: 'i1',
      feature: 'chat',
    })
    expect(denied[0]).not.toHaveProperty('outcome')
  })
})
