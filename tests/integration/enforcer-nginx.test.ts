import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayEventSchema } from '../../lib/events/schema'
import { KeyRing } from '../../lib/policy/keys'
import { appEnv, startStack, type Stack } from '../../harness/enforcer-stack'
import { waitFor } from '../../harness/free-port'
import { testKafka, uniqueName } from '../../harness/kafka-io'
import { hasNginx } from '../../harness/nginx'

// Real nginx (auth_request, the shipped docker/nginx/burnrate-locations.conf) → npm run enforcer's service → fake LLM,
// policy from the dashboard's route through Kafka, reservations settled from the events topic.
const topics = appEnv('enforcer_nginx')
let stack: Stack

beforeAll(async () => {
  if (!hasNginx()) throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run does)')
  stack = await startStack({ topics })
  await waitFor('the enforcer to follow the policy topic', async () => stack.enforcers[0].health().topicLag === 0, 30_000)
  // A running system has published before: the first change also pays for connections and JIT (~0.7 s here), not what is measured.
  const { version } = await stack.change({ scope: 'install', subjects: ['warm-up'], action: 'quota', controls: { tokensPerDay: 1_000_000 } })
  await waitFor('the warm-up change at the enforcer', async () => stack.enforcers[0].enforcer.version >= version!, 10_000)
}, 90_000)
afterAll(async () => {
  await stack?.stop()
})

describe('nginx with auth_request to the enforcer', () => {
  it('bad input gets a 400 naming the header; a normal call is served with the output cap', async () => {
    const bad = await fetch(`${stack.nginx.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: 'bad_request', detail: 'x-burnrate-install-id: required' })
    const ok = await stack.ask('i-ok', { maxOutput: 50, tokens: 80 })
    expect(ok.status).toBe(200)
    const call = stack.llm.calls.find((c) => c.installId === 'i-ok')!
    expect(call.cap).toBe(50)
    expect(call.produced).toBe(50)
  })

  it('revoke in the dashboard API: nginx answers 403 with the JSON reason within 1 s, and the open stream is cut', async () => {
    expect((await stack.ask('i-rev')).status).toBe(200)
    const stream = await stack.ask('i-rev', { stream: true, tokens: 100_000, intervalMs: 50 })
    expect(stream.status).toBe(200)
    const reader = stream.body!.getReader()
    await reader.read()
    const clicked = Date.now()
    const { status, version } = await stack.change({ scope: 'install', subjects: ['i-rev'], action: 'revoke' })
    expect(status).toBe(200)
    // From the dashboard's answer (the change is committed and audited) to the 403: the propagation. The bench
    // (bench/enforcer-revoke.ts) times the whole click; here the box may be busy with other suites.
    const t0 = Date.now()
    let denied: Response | undefined
    await waitFor(
      'a 403 at nginx',
      async () => {
        const r = await stack.ask('i-rev')
        if (r.status === 403) denied = r
        else await r.arrayBuffer()
        return r.status === 403
      },
      10_000,
    )
    const clickTo403 = Date.now() - t0
    const clickTotal = Date.now() - clicked
    expect(await denied!.json()).toMatchObject({ error: 'denied', rule_kind: 'revoked', rule_id: 'install:i-rev', policy_version: version })
    // The stream: the watch tells the fake provider, which ends it with cut_by_policy.
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    expect(text).toContain('cut_by_policy')
    const call = stack.llm.calls.find((c) => c.installId === 'i-rev' && c.stream)!
    expect(call.endReason).toBe('cut_by_policy')
    const applied = stack.enforcers[0].enforcer.appliedAt.get(version!)!
    console.log(
      `[enforcer-nginx] click → 403 at nginx ${clickTotal} ms (committed → 403 ${clickTo403} ms); revocation applied → stream cut ${call.cutAt! - applied} ms`,
    )
    expect(clickTo403).toBeLessThan(1_000)
    expect(call.cutAt! - applied).toBeLessThan(1_000)
    // Other installs are untouched.
    expect((await stack.ask('i-other')).status).toBe(200)
  })

  it("tokens/min quota with 20 concurrent clients: 429 with Retry-After once used, overshoot ≤ one request's worst case", async () => {
    const quota = 6_000
    expect((await stack.change({ scope: 'install', subjects: ['i-q'], action: 'quota', controls: { tokensPerMinute: quota } })).status).toBe(200)
    const ctx = 200 // 800 prompt bytes
    const worst = ctx + 100
    await waitFor(
      'the quota to reach the enforcer',
      async () => stack.enforcers[0].enforcer.resolve({ tenantId: 't1', feature: 'chat', installId: 'i-q' }, Date.now()).controls.tokensPerMinute === quota,
    )
    const t0 = Date.now()
    let refused: Response | undefined
    const client = async () => {
      for (;;) {
        // The fake provider uses every token it is allowed: usage = the reservation, the worst case.
        const r = await stack.ask('i-q', { bytes: ctx * 4 - 60, maxOutput: 100, tokens: 100 })
        if (r.status === 429) {
          refused ??= r
          return
        }
        expect(r.status).toBe(200)
        await r.arrayBuffer()
      }
    }
    await Promise.all([...Array(20)].map(client))
    const elapsedMin = (Date.now() - t0) / 60_000
    const used = stack.llm.calls.filter((c) => c.installId === 'i-q').reduce((s, c) => s + ctx + c.produced, 0)
    const refill = quota * elapsedMin
    console.log(`[enforcer-nginx] 20 clients: used ${used} tokens of ${quota}/min (+${refill.toFixed(0)} refilled in ${(elapsedMin * 60).toFixed(1)} s)`)
    expect(used).toBeGreaterThan(quota * 0.9)
    expect(used).toBeLessThanOrEqual(quota + refill + worst)
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await refused!.json()).toMatchObject({ error: 'quota_exceeded', rule_kind: 'tokens_per_minute', rule_id: 'install:i-q' })
  })

  it("the gateway's llm_request event settles the reservation: unused output comes back to the quota", async () => {
    expect((await stack.change({ scope: 'install', subjects: ['i-set'], action: 'quota', controls: { tokensPerDay: 1_000 } })).status).toBe(200)
    await waitFor(
      'the quota to reach the enforcer',
      async () => stack.enforcers[0].enforcer.resolve({ tenantId: 't1', feature: 'chat', installId: 'i-set' }, Date.now()).controls.tokensPerDay === 1_000,
    )
    const settled = stack.enforcers[0].events!.stats.settled
    // ~95 context tokens + up to 900 output reserves nearly the whole day's budget; the call uses 10.
    const first = await stack.ask('i-set', { bytes: 400 - 60, maxOutput: 900, tokens: 10 })
    expect(first.status).toBe(200)
    await first.arrayBuffer()
    expect(stack.llm.calls.find((c) => c.installId === 'i-set')!.cap).toBe(900)
    await waitFor('an event to settle', async () => stack.enforcers[0].events!.stats.settled > settled, 10_000)
    // The context is the body's bytes / 4, as nginx sends $content_length; the first call used it + 10 output tokens.
    const ctx = Math.ceil(JSON.stringify({ stream: false, tokens: 10, pad: 'x'.repeat(400 - 60) }).length / 4)
    // The settlement counted may be a late one of the test before (its 20 clients' events); until this call's own
    // event is settled the same ask is refused (a refusal reserves nothing), so ask until it is admitted.
    let second: Response | undefined
    await waitFor(
      "this call's event to settle and its unused output to come back",
      async () => {
        const r = await stack.ask('i-set', { bytes: 400 - 60, maxOutput: 900, tokens: 10 })
        if (r.status === 200) second = r
        else await r.arrayBuffer()
        return r.status === 200
      },
      10_000,
    )
    await second!.arrayBuffer()
    expect(stack.llm.calls.filter((c) => c.installId === 'i-set')[1].cap).toBe(1_000 - (ctx + 10) - ctx)
  })

  it('max concurrent streams: stream N+1 is refused, a cancelled stream frees its slot', async () => {
    expect((await stack.change({ scope: 'install', subjects: ['i-s'], action: 'quota', controls: { maxConcurrentStreams: 2 } })).status).toBe(200)
    await waitFor(
      'the cap to reach the enforcer',
      async () => stack.enforcers[0].enforcer.resolve({ tenantId: 't1', feature: 'chat', installId: 'i-s' }, Date.now()).controls.maxConcurrentStreams === 2,
    )
    const aborts = [new AbortController(), new AbortController()]
    for (const a of aborts) {
      const r = await stack.ask('i-s', { stream: true, tokens: 100_000, intervalMs: 100, signal: a.signal })
      expect(r.status).toBe(200)
      void r
        .body!.getReader()
        .read()
        .catch(() => {})
    }
    const third = await stack.ask('i-s', { stream: true })
    expect(third.status).toBe(429)
    expect(await third.json()).toMatchObject({ rule_kind: 'max_concurrent_streams' })
    // The client goes away: the provider side reports the stream (client_disconnect), which settles the lease.
    aborts[0].abort()
    await waitFor(
      'a slot freed by the cancelled stream',
      async () => {
        const r = await stack.ask('i-s', { stream: true, tokens: 3 })
        await r.arrayBuffer()
        return r.status === 200
      },
      10_000,
    )
    expect(stack.llm.calls.filter((c) => c.installId === 'i-s').map((c) => c.endReason)).toContain('client_disconnect')
    aborts[1].abort()
  })

  it('acks each version and reports refusals as policy_denial on the events topic, and refuses and counts a forged policy record', async () => {
    const kafka = testKafka()
    const consumer = kafka.consumer({ groupId: uniqueName('ack-reader') })
    await consumer.connect()
    await consumer.subscribe({ topic: topics.events, fromBeginning: true })
    const held = stack.enforcers[0].enforcer.version
    let ack: unknown
    let denial: unknown
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const e = JSON.parse(message.value!.toString())
          if (e.type === 'policy_ack' && e.policy_version === held) ack = e
          if (e.type === 'policy_denial' && e.install_id === 'i-rev') denial = e
          if (ack && denial) resolve()
        },
      })
    })
    await consumer.disconnect()
    expect(gatewayEventSchema.parse(ack)).toMatchObject({ type: 'policy_ack', gateway_id: 'enforcer-it-0', policy_version: held })
    // The 403s of the revoke test, as the dashboard counts them ("denials since" the change).
    expect(gatewayEventSchema.parse(denial)).toMatchObject({
      type: 'policy_denial',
      rule_kind: 'revoked',
      rule_id: 'install:i-rev',
      app_id: 'com.example.app',
      platform: 'android',
    })

    const rogue = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-rogue-')), graceHours: 1 })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: topics.policy,
      messages: [
        { key: 'install:i-rev', value: await rogue.sign({ kind: 'rule', key: 'install:i-rev', version: held + 100, issuedAt: Date.now(), rule: null }) },
      ],
    })
    await producer.disconnect()
    await waitFor('the forged record to be refused', async () => stack.enforcers[0].health().refused.records === 1, 10_000)
    expect((await stack.ask('i-rev')).status).toBe(403)
    const health = await (await fetch(`${stack.enforcers[0].url}/health`)).json()
    expect(health).toMatchObject({ ready: true, version: held, stale: false, refused: { records: 1, snapshots: 0 }, quotaStore: 'memory' })
  })
})
