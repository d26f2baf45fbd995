import { describe, expect, it } from 'vitest'
import Redis from 'ioredis'
import { AllowanceQuotaStore } from '../../lib/enforcement/allowance'
import type { Limits, ReserveRequest, ReserveResult } from '../../lib/enforcement/quota'
import { RedisQuotaStore } from '../../lib/enforcement/redis-quota'
import { startRedis } from '../../harness/redis'
import { redisForSuite } from './redis-suite'
import { waitFor } from '../../harness/free-port'

// Allowances (lib/enforcement/allowance.ts) against a real redis-server: replicas admit locally, budgets stay exact.
const redis = redisForSuite()

const replica = (name: string, extra: { allowanceLeaseMs?: number; idleMs?: number } = {}) =>
  new AllowanceQuotaStore(new RedisQuotaStore(redis.url), { requests: 16, requestLeaseMs: 60_000, replica: name, log: () => {}, ...extra })
const request = (installId: string, leaseId: string, limits: Limits, ctx = 100, out = 200): ReserveRequest => ({
  installId,
  leaseId,
  contextTokens: ctx,
  wantOutput: out,
  stream: false,
  limits,
  price: { input: 1_000_000, output: 4_000_000 },
  leaseMs: 60_000,
})
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
const counters = async (installId: string) => {
  const [dt, ds] = await redis.raw.hmget(`br:{${installId}}:q`, 'dt', 'ds')
  return { dayTokens: Number(dt ?? 0), daySpend: Number(ds ?? 0) }
}
const reservedBy = (results: ReserveResult[]) => results.reduce((s, r) => s + (r.ok ? r.reservedTokens : 0), 0)

describe('allowances: local admission from budget Redis set aside', () => {
  it('two replicas admitting mostly locally never reserve more than the budget, and Redis counts every request once', async () => {
    const [a, b] = [replica('a'), replica('b')]
    const limits = { tokensPerDay: 30_000 }
    const results: ReserveResult[] = []
    // Clients on both replicas, a few in flight at a time, until both are refused.
    for (let i = 0; i < 60; i++) {
      results.push(...(await Promise.all([0, 1, 2, 3].map((k) => (k % 2 ? a : b).reserve(request('exact', `r-${i}-${k}`, limits))))))
      await pause(2)
    }
    const reserved = reservedBy(results)
    expect(reserved).toBeLessThanOrEqual(30_000)
    expect(a.stats.local + b.stats.local).toBeGreaterThan(results.filter((r) => r.ok).length / 2)
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.kind === 'tokensPerDay')).toBe(true)
    // While allowances are held, Redis has reserved what was admitted plus what the replicas may still admit.
    await Promise.all([a.flush(), b.flush()])
    expect((await counters('exact')).dayTokens).toBeGreaterThanOrEqual(reserved)
    expect((await counters('exact')).dayTokens).toBeLessThanOrEqual(30_000)
    // Given back, Redis holds exactly the admitted requests, each a lease of its own any replica can settle.
    await a.close()
    await b.close()
    expect((await counters('exact')).dayTokens).toBe(reserved)
    const admitted = results.flatMap((r, i) => (r.ok ? [`r-${Math.floor(i / 4)}-${i % 4}`] : []))
    expect(await redis.raw.hlen('br:{exact}:leases')).toBe(admitted.length)
    // Nearly all the budget was admitted: what an allowance strands is at most a quarter of what is left.
    expect(reserved).toBeGreaterThan(30_000 * 0.9)
  })

  it("a request admitted by one replica is settled by the other replica's event, before or after it became a lease", async () => {
    const [a, b] = [replica('a2'), replica('b2')]
    const limits = { tokensPerDay: 100_000 }
    try {
      for (let i = 0; i < 3; i++) {
        await a.reserve(request('settle', `warm-${i}`, limits))
        await pause(10)
      }
      const before = a.stats.local
      expect(await a.reserve(request('settle', 'early', limits))).toMatchObject({ ok: true, reservedTokens: 300 })
      expect(await a.reserve(request('settle', 'later', limits))).toMatchObject({ ok: true, reservedTokens: 300 })
      expect(a.stats.local).toBe(before + 2)
      // 'early': its event reaches replica b before a's flush (charged in full as late, then released at the flush).
      expect(await b.settle('settle', 'early', { tokens: 120, micros: 0 })).toBe('late')
      await a.flush()
      expect(await b.settle('settle', 'later', { tokens: 150, micros: 0 })).toBe('settled')
      expect(await b.settle('settle', 'later', { tokens: 150, micros: 0 })).toBe('duplicate')
      await a.close()
      // The three warm-up requests stay reserved (300 each); early and later count as used.
      expect((await counters('settle')).dayTokens).toBe(3 * 300 + 120 + 150)
    } finally {
      await b.close()
    }
  })

  it('a replica refused while the other holds an allowance gets it back: clients that stop at the first 429 still use the whole budget', async () => {
    const [a, b] = [replica('a5'), replica('b5')]
    const limits = { tokensPerDay: 30_000 }
    const results: ReserveResult[] = []
    try {
      // One client, round robin over the replicas, stops at its first refusal: an allowance stranded on the
      // replica not asked would show as budget left unused.
      for (let i = 0; ; i++) {
        const r = await (i % 2 ? a : b).reserve(request('reclaim', `r-${i}`, limits))
        results.push(r)
        if (!r.ok) break
        await pause(1)
      }
      expect(a.stats.local + b.stats.local).toBeGreaterThan(10)
      expect(results.at(-1)).toMatchObject({ ok: false, kind: 'tokensPerDay' })
      // The whole budget, to the last worst case: 100 requests of 300 tokens.
      expect(reservedBy(results)).toBe(30_000)
      expect(a.stats.reclaims + b.stats.reclaims).toBeGreaterThan(0)
      await Promise.all([a.flush(), b.flush()])
      expect((await counters('reclaim')).dayTokens).toBe(30_000)
    } finally {
      await a.close()
      await b.close()
    }
    expect((await counters('reclaim')).dayTokens).toBe(30_000)
  })

  it('a lowered quota takes effect at once: the allowance held under the old one is not used', async () => {
    const a = replica('a3')
    try {
      for (let i = 0; i < 4; i++) {
        expect(await a.reserve(request('lower', `x-${i}`, { tokensPerDay: 1_000_000 }))).toMatchObject({ ok: true })
        await pause(10)
      }
      expect(a.stats.local).toBeGreaterThan(0)
      const r = await a.reserve(request('lower', 'y', { tokensPerDay: 1_000 }))
      expect(r).toMatchObject({ ok: false, kind: 'tokensPerDay' })
    } finally {
      await a.close()
    }
  })

  it('the allowance of a replica that stops without a word is released when its lease runs out', async () => {
    const dead = new RedisQuotaStore(redis.url)
    const b = new RedisQuotaStore(redis.url) // no allowance of its own, so the counters show only the dead one's
    const limits = { tokensPerDay: 6_000 }
    try {
      // What a replica's first grant does; that replica then never flushes, renews or gives it back.
      const g = await dead.grant({
        installId: 'dead',
        allowanceId: '~allowance:dead:0',
        tokens: 4_800,
        micros: 0,
        limits,
        share: 4,
        minTokens: 300,
        minMicros: 0,
        leaseMs: 500,
      })
      expect(g.tokens).toBe(1_500) // a quarter of what was left
      expect(await b.reserve(request('dead', 'during', limits))).toMatchObject({ ok: true })
      expect((await counters('dead')).dayTokens).toBe(1_500 + 300)
      await pause(600)
      expect(await b.reserve(request('dead', 'after', limits))).toMatchObject({ ok: true })
      expect((await counters('dead')).dayTokens).toBe(300 + 300)
    } finally {
      await b.close()
      await dead.close()
    }
  })

  it('streams never use an allowance: their slots are counted in Redis one by one', async () => {
    const [a, b] = [replica('a5'), replica('b5')]
    const limits = { tokensPerDay: 100_000, maxConcurrentStreams: 2 }
    try {
      const streams = await Promise.all([a, b, a, b].map((s, i) => s.reserve({ ...request('streams', `s-${i}`, limits), stream: true })))
      expect(streams.filter((r) => r.ok)).toHaveLength(2)
      expect(a.stats.local + b.stats.local).toBe(0)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('Redis going away: local admission stops within the allowance lease, and what was admitted is sent when it is back', async () => {
    const own = await startRedis()
    const logs: string[] = []
    const a = new AllowanceQuotaStore(new RedisQuotaStore(own.url), {
      requests: 16,
      requestLeaseMs: 60_000,
      replica: 'away',
      log: (l) => logs.push(l),
      allowanceLeaseMs: 1_200,
    })
    const limits = { tokensPerDay: 1_000_000 }
    try {
      for (let i = 0; i < 4; i++) {
        await a.reserve(request('away', `w-${i}`, limits))
        await pause(10)
      }
      expect(a.stats.local).toBeGreaterThan(0)
      await own.stop()
      // Within the lease the allowance already reserved still admits; then decisions need Redis, and fail.
      expect(await a.reserve(request('away', 'during', limits))).toMatchObject({ ok: true })
      await pause(1_300)
      await expect(a.reserve(request('away', 'after', limits))).rejects.toThrow()
      expect(a.stats.flushErrors).toBeGreaterThan(0)
      expect(logs.some((l) => l.includes('allowance flush failed'))).toBe(true)
      // Back (empty: no persistence): the kept request becomes a lease, charged directly since its allowance is gone.
      const back = await startRedis(own.port)
      const check = new Redis(back.url)
      try {
        await waitFor('the kept request to reach Redis', async () => (await check.hexists('br:{away}:leases', 'during')) === 1, 10_000)
        expect(Number(await check.hget('br:{away}:q', 'dt'))).toBe(300)
      } finally {
        check.disconnect()
        await a.close()
        await back.stop()
      }
    } finally {
      await own.stop()
    }
  }, 30_000)
})
