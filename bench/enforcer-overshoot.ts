import Redis from 'ioredis'
import { RedisQuotaStore } from '../lib/enforcement/redis-quota'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The upstream call between admission and its report: 5-15 ms. */
const callTime = () => 5 + Math.random() * 10

/**
 * Both sides see the same load: 20 concurrent requesters on two clients (two replicas), each call taking
 * 5-15 ms and using its whole worst case. Ours reserves before the call and settles after it. The naive
 * enforcer checks the counter before the call and adds the usage after it, as LiteLLM does.
 */
export async function overshoot(redisUrl: string, quota: number, worst: number, workers: number): Promise<{ ours: number; naive: number }> {
  const stores = [new RedisQuotaStore(redisUrl), new RedisQuotaStore(redisUrl)]
  let ours = 0
  let n = 0
  await Promise.all(
    [...Array(workers)].map(async (_, w) => {
      const store = stores[w % 2]
      for (;;) {
        const id = `l-${n++}`
        const r = await store.reserve({
          installId: 'bench-ours',
          leaseId: id,
          contextTokens: worst / 2,
          wantOutput: worst / 2,
          stream: false,
          limits: { tokensPerDay: quota },
          price: null,
          leaseMs: 60_000,
        })
        if (!r.ok) return
        await sleep(callTime())
        ours += r.reservedTokens
        await store.settle('bench-ours', id, { tokens: r.reservedTokens, micros: 0 })
      }
    }),
  )
  for (const s of stores) await s.close()
  const clients = [new Redis(redisUrl), new Redis(redisUrl)]
  let naive = 0
  await Promise.all(
    [...Array(workers)].map(async (_, w) => {
      const redis = clients[w % 2]
      for (;;) {
        const used = Number((await redis.get('bench-naive')) ?? 0)
        if (used + worst / 2 > quota) return // the prompt fits: admitted
        await sleep(callTime())
        await redis.incrby('bench-naive', worst)
        naive += worst
      }
    }),
  )
  for (const c of clients) c.disconnect()
  return { ours: ours - quota, naive: naive - quota }
}
