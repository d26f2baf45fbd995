import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDeepStrictEqual } from 'node:util'
import type { Admin, Kafka } from 'kafkajs'
import { loadConfig } from '../../lib/config'
import { gatewayEventSchema } from '../../lib/events/schema'
import { fastParseEvent } from '../../lib/events/fast-parse'
import { startIngest } from '../../lib/runtime/ingest'
import { rows } from '../helpers/store'
import { closeIngestFixture, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { fuzzCorpus } from '../helpers/fuzz-corpus'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, groupProgress, produce, uniqueName, waitFor } from '../../harness/kafka-io'

let store: TestStore
let kafka: Kafka
let admin: Admin

beforeAll(async () => {
  ;({ store, kafka, admin } = await openIngestFixture('poison'))
})
afterAll(() => closeIngestFixture({ store, admin }))

describe('poison input', () => {
  it('turns every fuzzed message into a row or a dead letter with its reason, without crashing or growing', async () => {
    const topic = uniqueName('poison')
    const group = uniqueName('poison-group')
    await createTopic(admin, topic, 3)
    const corpus = fuzzCorpus(6_000, 'pz', 7)
    const expected = new Map<string, number>()
    for (const r of corpus) expected.set(r.expect, (expected.get(r.expect) ?? 0) + 1)
    await produce(kafka, topic, corpus)
    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100)
    const handle = await startIngest(
      loadConfig({
        INGEST_SOURCE: 'kafka',
        KAFKA_BROKERS: brokersFromEnv(),
        KAFKA_TOPIC: topic,
        KAFKA_GROUP: group,
        INGEST_MAX_BATCH_ROWS: '500',
        INGEST_MAX_WAIT_MS: '200',
      }),
      store,
      () => {},
    )
    try {
      await waitFor(
        'offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === p.end && p.end === corpus.length,
        90_000,
      )
    } finally {
      await handle?.stop()
      clearInterval(sampler)
    }
    const db = store.database
    const [ev] = await rows<{ n: string; u: string }>(store, `SELECT count() AS n, uniqExact(event_id) AS u FROM ${db}.events`)
    const reasons = await rows<{ reason: string; n: string }>(store, `SELECT reason, count() AS n FROM ${db}.dead_letters GROUP BY reason`)
    const dead = Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)]))
    const deadTotal = Object.values(dead).reduce((s, n) => s + n, 0)
    const [leak] = await rows<{ n: string }>(
      store,
      `SELECT count() AS n FROM ${db}.dead_letters WHERE payload LIKE '%a user prompt%' OR payload LIKE '%call me%' OR length(payload) > 4096 OR reason = ''
        OR payload LIKE '%198.51.100.77%' OR error LIKE '%198.51.100.77%'`,
    )
    console.log(`faults-poison: produced ${corpus.length}, stored ${ev.n}, dead-lettered ${deadTotal}, duplicates ${Number(ev.n) - Number(ev.u)}`)
    expect(Number(ev.n)).toBe(expected.get('row'))
    expect(Number(ev.u)).toBe(Number(ev.n))
    expect(dead).toEqual(Object.fromEntries([...expected].filter(([k]) => k !== 'row')))
    expect(Number(ev.n) + deadTotal).toBe(corpus.length)
    expect(Number(leak.n)).toBe(0)
    // Bounded: a few thousand messages of up to 64 KiB must not leave hundreds of MB behind.
    expect(rssPeak - rssBefore).toBeLessThan(300 * 1024 * 1024)
  }, 120_000)

  it('the validation fast path never accepts what zod rejects, and builds the same event', () => {
    let fast = 0
    for (const r of fuzzCorpus(4_000, 'diff', 11)) {
      let parsed: unknown
      try {
        parsed = JSON.parse(Buffer.isBuffer(r.value) ? r.value.toString('utf8') : String(r.value))
      } catch {
        continue
      }
      const f = fastParseEvent(parsed)
      if (!f) continue
      fast += 1
      const z = gatewayEventSchema.safeParse(parsed)
      expect(z.success, JSON.stringify(parsed).slice(0, 300)).toBe(true)
      expect(isDeepStrictEqual(f, z.data), JSON.stringify(parsed).slice(0, 300)).toBe(true)
    }
    expect(fast).toBeGreaterThan(500)
  })
})
