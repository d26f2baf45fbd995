import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClickHouseSink } from '../../lib/ingest/sink'
import type { DeadLetterRow } from '../../lib/ingest/types'
import { rows, testStore } from '../helpers/store'

let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => { store = await testStore('settings') })
afterAll(async () => { await store?.drop() })

const deadLetter = (offset: number): DeadLetterRow => ({
  received_at: Date.now(), src_topic: 't', src_partition: 0, src_offset: offset, message_key: '',
  reason: 'schema', error: 'e', payload: '{}', payload_bytes: 2,
})

describe('store settings', () => {
  it('does not let one insert\'s dedup token swallow later inserts', async () => {
    const sink = new ClickHouseSink(store)
    const table = `${store.database}.dead_letters`
    await sink.write({ rows: [], deadLetters: [deadLetter(1)], bytes: 2 }, { topic: 't', partition: 0, firstOffset: 1, lastOffset: 1 })
    // Two plain inserts with different rows after a token-carrying one: both must land.
    await store.client.insert({ table, values: [deadLetter(2)], format: 'JSONEachRow' })
    await store.client.insert({ table, values: [deadLetter(3)], format: 'JSONEachRow' })
    await store.client.command({ query: `INSERT INTO ${table} (received_at, src_topic, src_partition, src_offset, reason) SELECT now64(3), 't', 0, 4, 'schema'` })
    await store.client.command({ query: `INSERT INTO ${table} (received_at, src_topic, src_partition, src_offset, reason) SELECT now64(3), 't', 0, 5, 'schema'` })
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
