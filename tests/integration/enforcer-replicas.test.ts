import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Redis from 'ioredis'
import { RedisQuotaStore } from '../../lib/enforcement/redis-quota'
import { appEnv, startStack, type Stack } from '../../harness/enforcer-stack'
import { waitFor } from '../../harness/free-port'
import { hasNginx } from '../../harness/nginx'
import { hasRedisServer } from '../../harness/redis'

// Two enforcer replicas behind one nginx (round robin), quotas in one redis-server.
const topics = appEnv('enforcer_replicas')
let stack: Stack

beforeAll(async () => {
  if (!hasNginx() || !hasRedisServer()) throw new Error('nginx and redis-server are needed: apt-get install -y nginx redis-server (.ci/run does)')
  stack = await startStack({ topics, replicas: 2, redis: true })
  await waitFor('both replicas to follow the policy topic', async () => stack.enforcers.every((e) => e.health().topicLag === 0), 30_000)
}, 90_000)
afterAll(async () => {
  await stack?.stop()
})

describe('enforcer replicas sharing quotas through Redis', () => {
  it('Lua reservations from two clients never reserve more than the budget', async () => {
    const a = new RedisQuotaStore(stack.redis!.url)
    const b = new RedisQuotaStore(stack.redis!.url)
    try {
      const limits = { tokensPerDay: 10_000 }
      const results = await Promise.all(
        [...Array(200)].map((_, i) =>
          (i % 2 ? a : b).reserve({
            installId: 'direct',
            leaseId: `l-${i}`,
            contextTokens: 50,
            wantOutput: 250,
            stream: false,
            limits,
            price: null,
            leaseMs: 60_000,
          }),
        ),
      )
      const reserved = results.reduce((s, r) => s + (r.ok ? r.reservedTokens : 0), 0)
      expect(reserved).toBe(10_000) // 33 × 300 + one request cut to 100 (50 + 50 output)
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.kind === 'tokensPerDay')).toBe(true)
      const admitted = `l-${results.findIndex((r) => r.ok)}`
      expect(await a.settle('direct', admitted, { tokens: 60, micros: 0 })).toBe('settled')
      expect(await b.settle('direct', admitted, { tokens: 60, micros: 0 })).toBe('duplicate')
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('a lease no event settles is released when it runs out (Redis clock); a late event is then charged in full', async () => {
    const store = new RedisQuotaStore(stack.redis!.url)
    try {
      const req = (leaseId: string) =>
        store.reserve({
          installId: 'lease',
          leaseId,
          contextTokens: 100,
          wantOutput: 400,
          stream: true,
          limits: { tokensPerDay: 500, maxConcurrentStreams: 1 },
          price: null,
          leaseMs: 800,
        })
      expect(await req('a')).toMatchObject({ ok: true, reservedTokens: 500 })
      expect(await req('b')).toMatchObject({ ok: false, kind: 'maxConcurrentStreams' })
      await new Promise((r) => setTimeout(r, 1_000))
      expect(await req('b')).toMatchObject({ ok: true, reservedTokens: 500 })
      expect(await store.settle('lease', 'a', { tokens: 50, micros: 0 })).toBe('late')
      expect(await store.openStreams('lease')).toBe(1)
    } finally {
      await store.close()
    }
  })

  it('every key of an install carries a TTL, also keys Redis re-creates after the last lease settled', async () => {
    const store = new RedisQuotaStore(stack.redis!.url)
    const raw = new Redis(stack.redis!.url)
    const ttl = async (suffix: string) => raw.pttl(`br:{ttl}:${suffix}`) // -2: no key, -1: a key without TTL
    const req = (leaseId: string, stream: boolean, leaseMs = 60_000) =>
      store.reserve({
        installId: 'ttl',
        leaseId,
        contextTokens: 10,
        wantOutput: 10,
        stream,
        limits: { tokensPerDay: 1_000, maxConcurrentStreams: 5 },
        price: null,
        leaseMs,
      })
    try {
      expect(await req('a', true)).toMatchObject({ ok: true })
      for (const k of ['q', 'leases', 'exp', 'streams']) expect(await ttl(k), k).toBeGreaterThan(86_400_000)
      expect(await store.settle('ttl', 'a', { tokens: 5, micros: 0 })).toBe('settled')
      expect(await ttl('leases')).toBe(-2) // emptied, so deleted by Redis
      expect(await ttl('settled')).toBeGreaterThan(86_400_000)
      expect(await req('b', false)).toMatchObject({ ok: true })
      for (const k of ['leases', 'exp']) expect(await ttl(k), k).toBeGreaterThan(86_400_000)
      // A lease running out is still released on the next reservation, whichever lease it is behind.
      expect(await req('c', false, 200)).toMatchObject({ ok: true, reservedTokens: 20 })
      await new Promise((r) => setTimeout(r, 300))
      expect(await req('d', false)).toMatchObject({ ok: true })
      expect(await raw.zrange('br:{ttl}:exp', 0, -1)).toEqual(['b', 'd'])
      expect(Number(await raw.hget('br:{ttl}:q', 'dt'))).toBe(5 + 20 + 20) // a settled at 5, b and d reserved, c released
      // Keys written before the lease bound existed (no nx field): the first call scans them.
      await raw.hdel('br:{ttl}:q', 'nx')
      await raw.zadd('br:{ttl}:exp', 1, 'old')
      await raw.hset('br:{ttl}:leases', 'old', `7|0|${Math.floor(Date.now() / 86_400_000)}|0`)
      await raw.hincrby('br:{ttl}:q', 'dt', 7)
      expect(await req('e', false)).toMatchObject({ ok: true })
      expect(await raw.hexists('br:{ttl}:leases', 'old')).toBe(0)
      expect(Number(await raw.hget('br:{ttl}:q', 'dt'))).toBe(5 + 20 + 20 + 20)
    } finally {
      raw.disconnect()
      await store.close()
    }
  })

  it('20 concurrent clients through nginx over two replicas share one tokens/min quota', async () => {
    const quota = 6_000
    expect((await stack.change({ scope: 'install', subjects: ['i-q2'], action: 'quota', controls: { tokensPerMinute: quota } })).status).toBe(200)
    await waitFor('the quota to reach both replicas', async () =>
      stack.enforcers.every((e) => e.enforcer.resolve({ tenantId: 't1', feature: 'chat', installId: 'i-q2' }, Date.now()).controls.tokensPerMinute === quota),
    )
    const before = stack.enforcers.map((e) => e.decider.stats.allowed)
    const ctx = 200
    const worst = ctx + 100
    const t0 = Date.now()
    const client = async () => {
      for (;;) {
        const r = await stack.ask('i-q2', { bytes: ctx * 4 - 60, maxOutput: 100, tokens: 100 })
        const text = await r.text()
        if (r.status === 429) return
        expect(r.status, text).toBe(200)
      }
    }
    await Promise.all([...Array(20)].map(client))
    const elapsedMin = (Date.now() - t0) / 60_000
    const used = stack.llm.calls.filter((c) => c.installId === 'i-q2').reduce((s, c) => s + ctx + c.produced, 0)
    const perReplica = stack.enforcers.map((e, i) => e.decider.stats.allowed - before[i])
    console.log(`[enforcer-replicas] used ${used} of ${quota}/min over replicas admitting ${perReplica.join(' + ')}`)
    expect(perReplica.every((n) => n > 0)).toBe(true)
    expect(used).toBeGreaterThan(quota * 0.9)
    // One replica alone would have admitted up to the whole quota: the pair may not exceed it either.
    expect(used).toBeLessThanOrEqual(quota + quota * elapsedMin + worst)
  })

  it('a stream cap holds across replicas', async () => {
    expect((await stack.change({ scope: 'install', subjects: ['i-s2'], action: 'quota', controls: { maxConcurrentStreams: 2 } })).status).toBe(200)
    await waitFor('the cap to reach both replicas', async () =>
      stack.enforcers.every((e) => e.enforcer.resolve({ tenantId: 't1', feature: 'chat', installId: 'i-s2' }, Date.now()).controls.maxConcurrentStreams === 2),
    )
    const aborts = [new AbortController(), new AbortController()]
    for (const a of aborts) {
      const r = await stack.ask('i-s2', { stream: true, tokens: 100_000, intervalMs: 100, signal: a.signal })
      expect(r.status, r.status === 200 ? '' : await r.text()).toBe(200)
      void r
        .body!.getReader()
        .read()
        .catch(() => {})
    }
    // Round robin: these go to both replicas; each sees the two streams the other admitted.
    for (let i = 0; i < 2; i++) expect((await stack.ask('i-s2', { stream: true })).status).toBe(429)
    expect(await stack.enforcers[1].quotas.openStreams('i-s2')).toBe(2)
    for (const a of aborts) a.abort()
  })
})
