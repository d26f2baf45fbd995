import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import { startIngest } from '../../lib/runtime/ingest'
import { IngestMetrics } from '../../lib/ingest/health'
import { OffsetLedger } from '../../lib/ingest/kafka-ledger'
import { IngestPipeline } from '../../lib/ingest/pipeline'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { rows } from '../helpers/store'
import { closeIngestFixture, kafkaIngestConfig, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { malformedRecords, validRecords } from '../helpers/corpus'
import { createTopic, groupProgress, produce, uniqueName, waitFor } from '../../harness/kafka-io'

let store: TestStore
let kafka: Kafka
let admin: Admin

const count = async (table: string) => Number((await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.${table}`))[0].n)
const ingestConfig = (topic: string, group: string) => kafkaIngestConfig(topic, group)

beforeAll(async () => {
  ;({ store, kafka, admin } = await openIngestFixture('ingest'))
})
afterAll(() => closeIngestFixture({ store, admin }))

describe('Kafka → ClickHouse ingest', () => {
  it('stores every valid event exactly once and every malformed one as a dead letter', async () => {
    const topic = uniqueName('events')
    const group = uniqueName('group')
    await createTopic(admin, topic, 3)
    const N = 3000
    const M = 120
    await produce(kafka, topic, [...validRecords(N, 'a'), ...malformedRecords(M, 'a')])
    const handle = await startIngest(ingestConfig(topic, group), store, () => {})
    try {
      await waitFor(
        'all messages stored',
        async () => [await count('events'), await count('dead_letters')],
        ([e, d]) => e >= N && d >= M,
      )
      await waitFor(
        'offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === p.end,
      )
    } finally {
      await handle?.stop()
    }
    expect(await count('events')).toBe(N)
    expect(await count('dead_letters')).toBe(M)
    const [dupes] = await rows<{ n: string }>(store, `SELECT count() - uniqExact(event_id) AS n FROM ${store.database}.events`)
    expect(Number(dupes.n)).toBe(0)
    const reasons = await rows<{ reason: string; n: string }>(
      store,
      `SELECT reason, count() AS n FROM ${store.database}.dead_letters GROUP BY reason ORDER BY reason`,
    )
    expect(reasons.map((r) => r.reason).sort()).toEqual(['empty', 'invalid_json', 'invalid_utf8', 'schema', 'timestamp_future', 'too_large'])
    const [dl] = await rows<{ payload: string }>(store, `SELECT payload FROM ${store.database}.dead_letters WHERE reason = 'too_large' LIMIT 1`)
    expect(dl.payload.length).toBeLessThan(4096)
  })

  it('keeps the minute rollups equal to an aggregation of the raw rows', async () => {
    const db = store.database
    const [raw] = await rows<Record<string, string>>(
      store,
      `SELECT countIf(type IN ('llm_request','stream')) AS requests, sum(cost_micros) AS cost, sum(prompt_tokens) AS prompt, countIf(type = 'attestation' AND verdict = 'rejected') AS rejected FROM ${db}.events`,
    )
    const [rolled] = await rows<Record<string, string>>(
      store,
      `SELECT sum(requests) AS requests, sum(cost_micros) AS cost, sum(prompt_tokens) AS prompt, sum(attest_rejected) AS rejected FROM ${db}.usage_minute`,
    )
    expect(rolled).toEqual(raw)
    expect(Number(raw.cost)).toBeGreaterThan(0)
    const [perInstall] = await rows<Record<string, string>>(store, `SELECT sum(requests) AS requests, sum(cost_micros) AS cost FROM ${db}.install_minute`)
    expect(perInstall).toEqual({ requests: raw.requests, cost: raw.cost })
  })

  it('pauses while the store is unavailable, commits nothing, and catches up without loss', async () => {
    const db = store.database
    const topic = uniqueName('events')
    const group = uniqueName('group')
    await createTopic(admin, topic, 2)
    const before = await count('events')
    await store.client.command({ query: `RENAME TABLE ${db}.events TO ${db}.events_offline` })
    const handle = await startIngest(ingestConfig(topic, group), store, () => {})
    try {
      await produce(kafka, topic, validRecords(1000, 'b'))
      const down = await waitFor(
        'an insert failure',
        async () => handle!.metrics.snapshot(),
        (h) => h.insertRetries >= 2,
      )
      expect(down.paused).toBe(true)
      expect(down.lastError?.message).toMatch(/events/)
      await new Promise((r) => setTimeout(r, 1500))
      expect((await groupProgress(admin, group, topic)).committed).toBe(0)
      await store.client.command({ query: `RENAME TABLE ${db}.events_offline TO ${db}.events` })
      await waitFor(
        'catch-up',
        () => count('events'),
        (n) => n >= before + 1000,
      )
      await waitFor(
        'offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === p.end && p.end === 1000,
      )
    } finally {
      await handle?.stop()
    }
    expect(await count('events')).toBe(before + 1000)
    expect(handle!.metrics.snapshot().paused).toBe(false)
  })

  it('shares a multi-partition topic between two consumers of one group with no loss', async () => {
    const topic = uniqueName('events')
    const group = uniqueName('group')
    await createTopic(admin, topic, 4)
    const before = await count('events')
    const first = await startIngest(ingestConfig(topic, group), store, () => {})
    const second = await startIngest(ingestConfig(topic, group), store, () => {})
    try {
      await produce(kafka, topic, validRecords(4000, 'c'))
      await waitFor(
        'all stored',
        () => count('events'),
        (n) => n >= before + 4000,
      )
      await waitFor(
        'offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === p.end,
      )
      expect(first!.metrics.snapshot().eventsTotal).toBeGreaterThan(0)
      expect(second!.metrics.snapshot().eventsTotal).toBeGreaterThan(0)
      expect(first!.metrics.snapshot().eventsTotal + second!.metrics.snapshot().eventsTotal).toBe(4000)
    } finally {
      await Promise.all([first?.stop(), second?.stop()])
    }
    expect(await count('events')).toBe(before + 4000)
  })

  it('stops mid-stream with every inserted range committed and nothing committed that was not inserted', async () => {
    // Inserts overlap the decoding of the next range, so a stop usually finds
    // one in flight: stop() must wait for it and commit it before leaving.
    const topic = uniqueName('events')
    const group = uniqueName('group')
    await createTopic(admin, topic, 1)
    await produce(kafka, topic, validRecords(6000, 's'))
    // The path under test is the insert that settles: on a loaded machine one can take longer than the default
    // 15 s grace (a CI run beside an eval, 2026-12-06: 18 s, one range left uncommitted, as designed for a store that is down).
    const handle = await startIngest(kafkaIngestConfig(topic, group, { INGEST_SHUTDOWN_GRACE_MS: '120000' }), store, () => {})
    let stoppedAt = 0
    try {
      stoppedAt = (
        await waitFor(
          'a first commit',
          () => groupProgress(admin, group, topic),
          (p) => p.committed > 0,
        )
      ).committed
    } finally {
      await handle?.stop()
    }
    const { committed } = await groupProgress(admin, group, topic)
    const [stored] = await rows<{ n: string; top: string }>(
      store,
      `SELECT count() AS n, max(src_offset) + 1 AS top FROM ${store.database}.events WHERE src_topic = {topic:String}`,
      { topic },
    )
    expect(stoppedAt).toBeLessThan(6000)
    expect(Number(stored.n)).toBe(committed)
    expect(Number(stored.top)).toBe(committed)
  })

  it('replays a range that was inserted but never committed, without duplicating it', async () => {
    // What a consumer killed between insert and commit leaves behind: an
    // intent and its rows in ClickHouse, and no committed offset in Kafka.
    const topic = uniqueName('events')
    const group = uniqueName('group')
    await createTopic(admin, topic, 1)
    const records = validRecords(500, 'r')
    await produce(kafka, topic, records)
    const before = await count('events')
    const pipeline = new IngestPipeline(
      new ClickHouseSink(store),
      { limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 }, prices: defaultPriceBook, recentIds: new RecentIds() },
      new IngestMetrics('test'),
      { retryMaxMs: 1000 },
    )
    const firstRange = records.slice(0, 180).map((r, offset) => ({ topic, partition: 0, offset, key: r.key, value: Buffer.from(r.value as string) }))
    await new OffsetLedger(store).recordIntent({ topic, partition: 0, firstOffset: 0, lastOffset: 179 })
    expect((await pipeline.flush(firstRange)).status).toBe('written')
    expect(await count('events')).toBe(before + 180)

    const handle = await startIngest(ingestConfig(topic, group), store, () => {})
    try {
      await waitFor(
        'offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === 500,
      )
    } finally {
      await handle?.stop()
    }
    expect(await count('events')).toBe(before + 500)
    const [dupes] = await rows<{ n: string }>(store, `SELECT count() - uniqExact(event_id) AS n FROM ${store.database}.events`)
    expect(Number(dupes.n)).toBe(0)
    const [raw] = await rows<{ n: string }>(store, `SELECT countIf(type IN ('llm_request','stream')) AS n FROM ${store.database}.events`)
    const [rolled] = await rows<{ n: string }>(store, `SELECT sum(requests) AS n FROM ${store.database}.usage_minute`)
    expect(rolled.n).toBe(raw.n)
  })
})
