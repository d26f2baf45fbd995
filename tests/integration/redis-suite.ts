import { afterAll, beforeAll } from 'vitest'
import Redis from 'ioredis'
import { hasRedisServer, startRedis, type RedisRun } from '../../harness/redis'

/**
 * A throwaway redis-server for one test file, started before its tests and stopped after them, with a plain ioredis
 * client (`raw`) for looking at what the code under test wrote. Read `url` and `raw` inside tests, not at import.
 */
export function redisForSuite(): { readonly url: string; readonly raw: Redis } {
  let redis: RedisRun | undefined
  let raw: Redis | undefined
  beforeAll(async () => {
    if (!hasRedisServer()) throw new Error('redis-server is needed: apt-get install -y redis-server (.ci/run does)')
    redis = await startRedis()
    raw = new Redis(redis.url)
  }, 30_000)
  afterAll(async () => {
    raw?.disconnect()
    await redis?.stop()
  })
  return {
    get url() {
      if (!redis) throw new Error('redis-server not started yet: read url inside a test')
      return redis.url
    },
    get raw() {
      if (!raw) throw new Error('redis-server not started yet: read raw inside a test')
      return raw
    },
  }
}
