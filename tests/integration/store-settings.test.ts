import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClickHouseSink } from '../../lib/ingest/sink'
import type { DeadLetterRow } from '../../lib/ingest/types'
import { rows, testStore } from '../helpers/store'

let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('settings')
})
afterAll(async () => {
  await store?.drop()
})

const deadLetter = (offset: number): DeadLetterRow => ({
  received_at: Date.now(),
  src_topic: 't',
  src_partition: 0,
  src_offset: offset,
  message_key: '',
  reason: 'schema',
  error: 'e',
  payload: '{}',
  payload_bytes: 2,
})

describe('store settings', () => {
  it("does not let one insert's dedup token swallow later inserts", async () => {
    const sink = new ClickHouseSink(store)
    const table = `${store.database}.dead_letters`
    await sink.write({ rows: [], deadLetters: [deadLetter(1)], bytes: 2 }, { topic: 't', partition: 0, firstOffset: 1, lastOffset: 1 })
    // Two plain inserts with different rows after a token-carrying one: both must land.
    await store.client.insert({ table, values: [deadLetter(2)], format: 'JSONEachRow' })
    await store.client.insert({ table, values: [deadLetter(3)], format: 'JSONEachRow' })
    await store.client.command({
      query: `INSERT INTO ${table} (received_at, src_topic, src_partition, src_offset, reason) SELECT now64(3), 't', 0, 4, 'schema'`,
    })
    await store.client.command({
      query: `INSERT INTO ${table} (received_at, src_topic, src_partition, src_offset, reason) SELECT now64(3), 't', 0, 5, 'schema'`,
    })
    const [r] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${table}`)
    expect(Number(r.n)).toBe(5)
  })

  it('still deduplicates a retried batch by its token', async () => {
    const sink = new ClickHouseSink(store)
    const range = { topic: 't', partition: 1, firstOffset: 10, lastOffset: 10 }
    await sink.write({ rows: [], deadLetters: [deadLetter(10)], bytes: 2 }, range)
    await sink.write({ rows: [], deadLetters: [deadLetter(10)], bytes: 2 }, range)
    const [r] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters WHERE src_offset = 10`)
    expect(Number(r.n)).toBe(1)
  })
})

describe('retried event batches', () => {
  it('are stored once in the raw table and once in every rollup', async () => {
    const { prepareBatch } = await import('../../lib/ingest/prepare')
    const { RecentIds } = await import('../../lib/ingest/recent-ids')
    const { defaultPriceBook } = await import('../../lib/pricing/cost')
    const { validRecords } = await import('../helpers/corpus')
    const messages = validRecords(200, 'retry').map((r, offset) => ({ topic: 'r', partition: 0, offset, key: r.key, value: Buffer.from(r.value as string) }))
    const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 }
    const sink = new ClickHouseSink(store)
    const range = { topic: 'r', partition: 0, firstOffset: 0, lastOffset: 199 }
    // A replay after a crash prepares the batch again from scratch, with a fresh id memory.
    for (let attempt = 0; attempt < 3; attempt++) {
      await sink.write(prepareBatch(messages, { limits, prices: defaultPriceBook, recentIds: new RecentIds() }), range)
    }
    const db = store.database
    const [raw] = await rows<Record<string, string>>(
      store,
      `SELECT count() AS n, countIf(type IN ('llm_request','stream')) AS requests, sum(cost_micros) AS cost FROM ${db}.events WHERE src_topic = 'r'`,
    )
    const [rolled] = await rows<Record<string, string>>(store, `SELECT sum(requests) AS requests, sum(cost_micros) AS cost FROM ${db}.usage_minute`)
    const [perInstall] = await rows<Record<string, string>>(store, `SELECT sum(requests) AS requests FROM ${db}.install_minute`)
    expect(Number(raw.n)).toBe(200)
    expect(rolled).toEqual({ requests: raw.requests, cost: raw.cost })
    expect(perInstall.requests).toBe(raw.requests)
  })
})

describe('the server-mode insert path', () => {
  it('writes events through the client when the store has no raw insert', async () => {
    const { prepareBatch } = await import('../../lib/ingest/prepare')
    const { RecentIds } = await import('../../lib/ingest/recent-ids')
    const { defaultPriceBook } = await import('../../lib/pricing/cost')
    const { validRecords } = await import('../helpers/corpus')
    const messages = validRecords(50, 'http').map((r, offset) => ({ topic: 'http', partition: 0, offset, key: r.key, value: Buffer.from(r.value as string) }))
    const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 }
    const sink = new ClickHouseSink({ ...store, rawInsert: undefined, insertNative: undefined })
    const batch = prepareBatch(messages, { limits, prices: defaultPriceBook, recentIds: new RecentIds() })
    await sink.write(batch, { topic: 'http', partition: 0, firstOffset: 0, lastOffset: 49 })
    await sink.write(batch, { topic: 'http', partition: 0, firstOffset: 0, lastOffset: 49 })
    const [raw] = await rows<{ n: string; ids: string }>(
      store,
      `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${store.database}.events WHERE src_topic = 'http'`,
    )
    expect([Number(raw.n), Number(raw.ids)]).toEqual([50, 50])
  })
})
