import { describe, expect, it } from 'vitest'
import Redis from 'ioredis'
import { RedisLane } from '../../lib/enforcement/redis-lane'
import { startRedis } from '../../harness/redis'
import { redisForSuite } from './redis-suite'

// The allowance flushes' own connection (lib/enforcement/redis-lane.ts) against a real redis-server.
const redis = redisForSuite()

const scripts = {
  echo: 'return ARGV',
  set: "redis.call('SET', KEYS[1], ARGV[1]) return tonumber(ARGV[2])",
  fail: "return redis.error_reply('boom')",
}

describe('RedisLane', () => {
  it('answers every command in order in one write, an error reply in its place, a reply split over many reads whole', async () => {
    const lane = new RedisLane({ url: redis.url, scripts })
    try {
      const many = Array.from({ length: 20_000 }, (_, i) => `lease-${i}`)
      const res = await lane.send([
        lane.script('set', 1, ['lane:a', 'x', 7]),
        lane.script('fail', 0, []),
        lane.script('echo', 0, many),
        lane.script('echo', 0, ['ünïcode', 12.5]),
      ])
      expect(res[0]).toBe(7)
      expect(res[1]).toBeInstanceOf(Error)
      expect((res[1] as Error).message).toContain('boom')
      expect(res[2]).toEqual(many)
      expect(res[3]).toEqual(['ünïcode', '12.5'])
      expect(await redis.raw.get('lane:a')).toBe('x')
    } finally {
      lane.close()
    }
  })

  it('scripts Redis no longer has (SCRIPT FLUSH, a restart) answer NOSCRIPT once, then are loaded again', async () => {
    const lane = new RedisLane({ url: redis.url, scripts })
    try {
      expect(await lane.send([lane.script('set', 1, ['lane:b', '1', 1])])).toEqual([1])
      await redis.raw.script('FLUSH')
      const [gone] = await lane.send([lane.script('set', 1, ['lane:b', '2', 2])])
      expect((gone as Error).message).toMatch(/^NOSCRIPT/)
      expect(await lane.send([lane.script('set', 1, ['lane:b', '3', 3])])).toEqual([3])
      expect(await redis.raw.get('lane:b')).toBe('3')
    } finally {
      lane.close()
    }
  })

  it('uses the password and database of the URL', async () => {
    const own = await startRedis()
    const admin = new Redis(own.url)
    try {
      await admin.config('SET', 'requirepass', 's3cret')
      const lane = new RedisLane({ url: `redis://:s3cret@127.0.0.1:${own.port}/2`, scripts, connectionName: 'lane-test' })
      try {
        expect(await lane.send([lane.script('set', 1, ['lane:c', 'db2', 1])])).toEqual([1])
      } finally {
        lane.close()
      }
      const check = new Redis(`redis://:s3cret@127.0.0.1:${own.port}/2`)
      expect(await check.get('lane:c')).toBe('db2')
      check.disconnect()
      const wrong = new RedisLane({ url: `redis://:nope@127.0.0.1:${own.port}`, scripts })
      await expect(wrong.send([wrong.script('echo', 0, ['x'])])).rejects.toThrow(/WRONGPASS|invalid password/i)
      wrong.close()
    } finally {
      admin.disconnect()
      await own.stop()
    }
  })

  it('a connection that goes away fails what is in flight; the next send reconnects and loads the scripts', async () => {
    const own = await startRedis()
    const lane = new RedisLane({ url: own.url, scripts })
    try {
      expect(await lane.send([lane.script('echo', 0, ['before'])])).toEqual([['before']])
      await own.stop()
      await expect(lane.send([lane.script('echo', 0, ['away'])])).rejects.toThrow()
      const back = await startRedis(own.port)
      try {
        expect(await lane.send([lane.script('echo', 0, ['back'])])).toEqual([['back']])
      } finally {
        await back.stop()
      }
    } finally {
      lane.close()
      await own.stop()
    }
  }, 30_000)
})
