import { describe, expect, it } from 'vitest'
import { Decider, type FailMode } from '../../lib/enforcement/decide'
import { H, parseDecisionHeaders, type DecisionInput } from '../../lib/enforcement/headers'
import { MemoryQuotaStore } from '../../lib/enforcement/quota'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import type { Controls, Rule } from '../../lib/policy/types'
import { PriceBook } from '../../lib/pricing/cost'

const T0 = Date.parse('2026-12-01T10:00:00Z')
const rule = (key: string, controls: Controls, version = 1): Rule => {
  const [scope, subject] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
  return { key, scope: scope as Rule['scope'], subject, controls, until: null, reason: 'test', author: 't', version, updatedAt: T0 }
}
const headers = (over: Record<string, string | undefined> = {}) => {
  const h: Record<string, string | undefined> = {
    [H.installId]: 'i-1',
    [H.tenant]: 't1',
    [H.feature]: 'chat',
    [H.model]: 'gpt-4o-mini',
    [H.contextTokens]: '100',
    [H.requestId]: 'req-1',
    ...over,
  }
  return (name: string) => h[name]
}
const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  installId: 'i-1',
  tenantId: 't1',
  feature: 'chat',
  model: 'gpt-4o-mini',
  contextTokens: 100,
  maxOutput: 100,
  stream: false,
  risky: false,
  requestId: `r-${Math.random()}`,
  app: null,
  ...over,
})

function setup(rules: Rule[], opts: { failMode?: FailMode; ready?: boolean; stale?: boolean } = {}) {
  const enforcer = new PolicyEnforcer()
  enforcer.applySnapshot({ version: 1, rules })
  const quotas = new MemoryQuotaStore()
  const decider = new Decider({
    enforcer,
    quotas,
    prices: new PriceBook(),
    failMode: opts.failMode ?? 'closed',
    defaultMaxOutput: 1000,
    leaseMs: 60_000,
    streamLeaseMs: 30_000,
    freshness: () => ({ ready: opts.ready ?? true, stale: opts.stale ?? false }),
  })
  return { enforcer, quotas, decider }
}

describe('forward-auth headers', () => {
  it('parses a complete request and estimates tokens from prompt bytes', () => {
    const p = parseDecisionHeaders(headers({ [H.contextTokens]: undefined, [H.promptBytes]: '1001', [H.stream]: 'true', [H.maxOutput]: '50' }))
    expect(p).toEqual({
      ok: true,
      input: {
        installId: 'i-1',
        tenantId: 't1',
        feature: 'chat',
        model: 'gpt-4o-mini',
        requestId: 'req-1',
        contextTokens: 251,
        maxOutput: 50,
        stream: true,
        risky: false,
        app: null,
      },
    })
    expect(parseDecisionHeaders(headers({ [H.stream]: undefined, accept: 'text/event-stream' }))).toMatchObject({ ok: true, input: { stream: true } })
  })

  it('names the missing or malformed header', () => {
    expect(parseDecisionHeaders(headers({ [H.installId]: undefined }))).toMatchObject({ ok: false, header: H.installId, error: `${H.installId}: required` })
    expect(parseDecisionHeaders(headers({ [H.tenant]: 'a b' }))).toMatchObject({ ok: false, header: H.tenant })
    expect(parseDecisionHeaders(headers({ [H.contextTokens]: undefined }))).toMatchObject({ ok: false, header: H.contextTokens })
    expect(parseDecisionHeaders(headers({ [H.contextTokens]: '-3' }))).toMatchObject({ ok: false, header: H.contextTokens })
    expect(parseDecisionHeaders(headers({ [H.stream]: 'yes' }))).toMatchObject({ ok: false, header: H.stream })
    expect(parseDecisionHeaders(headers({ [H.requestId]: undefined }))).toMatchObject({ ok: false, header: H.requestId })
    expect(parseDecisionHeaders(headers({ [H.appId]: 'com.example', [H.appVersion]: '2.1', [H.platform]: 'iOS' }))).toMatchObject({
      ok: true,
      input: { app: { appId: 'com.example', appVersion: '2.1', platform: 'ios' } },
    })
    expect(parseDecisionHeaders(headers({ [H.appId]: 'com.example' }))).toMatchObject({ ok: false, header: H.appVersion })
  })
})

describe('decisions', () => {
  it('403 with the rule for a revoked install, 200 with caps otherwise', async () => {
    const { decider } = setup([
      rule('install:bad', { revoked: true }),
      rule('global:*', { maxOutputTokens: 300 }),
      rule('tenant:t1', { degrade: { maxContextTokens: 500, maxOutputTokens: 80, riskyOnly: true } }),
    ])
    const denied = await decider.decide(input({ installId: 'bad' }))
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({ error: 'denied', rule_kind: 'revoked', rule_id: 'install:bad', policy_version: 1 })
    expect(JSON.parse(denied.headers['x-burnrate-reason'])).toMatchObject({ rule_kind: 'revoked' })
    const ok = await decider.decide(input({ maxOutput: 1000 }))
    expect(ok.status).toBe(200)
    expect(ok.headers['x-burnrate-max-output-tokens']).toBe('300')
    expect(ok.headers['x-burnrate-degrade']).toBeUndefined()
    const risky = await decider.decide(input({ risky: true, maxOutput: 1000 }))
    expect(risky.headers).toMatchObject({ 'x-burnrate-max-output-tokens': '80', 'x-burnrate-degrade': '1' })
    expect((await decider.decide(input({ risky: true, contextTokens: 600 }))).body).toMatchObject({ rule_kind: 'degraded' })
  })

  it('reserves the worst case: admitted requests never hold more than the tokens/min budget', async () => {
    const { decider } = setup([rule('install:i-1', { tokensPerMinute: 1000 })])
    let reserved = 0
    const answers = await Promise.all([...Array(20)].map(() => decider.decide(input({ contextTokens: 100, maxOutput: 200 }), T0)))
    for (const a of answers) if (a.status === 200) reserved += Number(a.body.reserved_tokens)
    expect(reserved).toBeLessThanOrEqual(1000)
    // 300 each; the last 100 cannot hold the 100-token context plus one output token.
    expect(answers.filter((a) => a.status === 200).length).toBe(3)
    const last = answers.find((a) => a.status === 429)!
    expect(last.body).toMatchObject({ rule_kind: 'tokens_per_minute', rule_id: 'install:i-1' })
    expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  })

  it('settling to actual usage gives the unused reservation back; a re-sent event is not charged twice', async () => {
    const { decider, quotas } = setup([rule('install:i-1', { tokensPerDay: 1000 })])
    const a = await decider.decide(input({ requestId: 'a', contextTokens: 100, maxOutput: 900 }), T0)
    expect(a.body.reserved_tokens).toBe(1000)
    expect((await decider.decide(input({ requestId: 'b' }), T0)).status).toBe(429)
    expect(await quotas.settle('i-1', 'a', { tokens: 150, micros: 0 }, T0 + 10)).toBe('settled')
    expect(await quotas.settle('i-1', 'a', { tokens: 150, micros: 0 }, T0 + 20)).toBe('duplicate')
    const b = await decider.decide(input({ requestId: 'b', contextTokens: 100, maxOutput: 2000 }), T0 + 30)
    expect(b.body.reserved_tokens).toBe(850)
  })

  it('a lease no event settles is released when it runs out; a late event is then charged in full', async () => {
    const { decider, quotas } = setup([rule('install:i-1', { tokensPerDay: 500 })])
    expect((await decider.decide(input({ requestId: 'x', contextTokens: 100, maxOutput: 400 }), T0)).status).toBe(200)
    expect((await decider.decide(input({ requestId: 'y' }), T0 + 1000)).status).toBe(429)
    expect((await decider.decide(input({ requestId: 'y', maxOutput: 400 }), T0 + 61_000)).body.reserved_tokens).toBe(500)
    expect(await quotas.settle('i-1', 'x', { tokens: 120, micros: 0 }, T0 + 62_000)).toBe('late')
  })

  it('stream slots are leases: N+1 refused, a settled stream frees its slot, an unreported one frees it at lease end', async () => {
    const { decider, quotas } = setup([rule('install:i-1', { maxConcurrentStreams: 2 })])
    const open = (id: string, at: number) => decider.decide(input({ requestId: id, stream: true }), at)
    expect((await open('s1', T0)).status).toBe(200)
    expect((await open('s2', T0)).status).toBe(200)
    const third = await open('s3', T0 + 1)
    expect(third.status).toBe(429)
    expect(third.body.rule_kind).toBe('max_concurrent_streams')
    await quotas.settle('i-1', 's1', { tokens: 10, micros: 0 }, T0 + 2)
    expect((await open('s3', T0 + 3)).status).toBe(200)
    expect(await quotas.renew('i-1', 's3', 30_000, T0 + 20_000)).toBe(true)
    // s2 was never reported nor renewed: its lease (30 s) ends, s3's renewed one does not.
    expect(await quotas.openStreams('i-1', T0 + 31_000)).toBe(1)
  })

  it('spend/day reserves at the catalogued price and refuses an uncatalogued model', async () => {
    const { decider } = setup([rule('install:i-1', { spendPerDayMicros: 100 })])
    // gpt-4o-mini: 0.15 µ$/token in, 0.6 out. 100 in = 15 µ$, so at most 141 output tokens fit in 100 µ$.
    const a = await decider.decide(input({ contextTokens: 100, maxOutput: 10_000 }), T0)
    expect(a.body).toMatchObject({ max_output_tokens: 141 })
    expect((await decider.decide(input({ model: 'no-such-model' }), T0)).body).toMatchObject({ rule_kind: 'spend_per_day' })
  })

  it('stale or missing policy: 503 when failing closed, admitted and marked when failing open', async () => {
    expect((await setup([], { stale: true }).decider.decide(input())).status).toBe(503)
    expect((await setup([], { ready: false }).decider.decide(input())).body).toMatchObject({ error: 'policy_unavailable' })
    const open = await setup([rule('install:bad', { revoked: true })], { stale: true, failMode: 'open' }).decider.decide(input({ installId: 'bad' }))
    expect(open.status).toBe(403) // failing open keeps the policy it holds
    const ok = await setup([], { stale: true, failMode: 'open' }).decider.decide(input())
    expect(ok.status).toBe(200)
    expect(ok.headers['x-burnrate-policy']).toBe('stale')
  })
})
