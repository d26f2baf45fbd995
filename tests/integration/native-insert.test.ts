import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nativeSpool, spoolInsertSql } from '../../lib/clickhouse/native-spool'
import { encodeNativeBlock } from '../../lib/ingest/native-block'
import { prepareBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import type { EventRow } from '../../lib/ingest/types'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { validRecords } from '../helpers/corpus'
import { rows, testStore } from '../helpers/store'

let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('native')
})
afterAll(async () => {
  await store?.drop()
})

const base: EventRow = {
  ts: Date.UTC(2026, 10, 21, 12, 0, 0, 123),
  event_id: 'e-0',
  type: 'llm_request',
  tenant_id: 'acme',
  install_id: 'i-1',
  app_id: 'app',
  app_version: '1.0.0',
  platform: 'android',
  device_model: 'Pixel 8',
  os_version: '15',
  device_fingerprint: 'abcdef0123456789',
  ip_prefix: '203.0.113.0/24',
  asn: 64_500,
  country: 'DE',
  feature: 'chat',
  model: 'gpt-4o',
  prompt_tokens: 10,
  completion_tokens: 20,
  context_tokens: 30,
  prompt_bytes: 40,
  cost_micros: 50,
  cost_source: 'catalog',
  outcome: 'ok',
  latency_ms: 60,
  stream_id: '',
  transport: '',
  duration_ms: 0,
  ttft_ms: 0,
  end_reason: '',
  verdict: '',
  reasons: [],
  policy_version: 0,
  rule_id: '',
  rule_kind: '',
  gateway_id: 'gw-1',
  src_topic: 'native',
  src_partition: 0,
  src_offset: 0,
}

/** Values at the edges of every wire form: multi-byte UTF-8, lengths past one and two VarUInt bytes, 2^53 - 1, UInt32 max. */
const edgeRows: EventRow[] = [
  { ...base },
  { ...base, event_id: 'e-1', src_offset: 1, device_model: 'Pixel 8 Pro — 東京', country: 'ÅX', reasons: ['emulator', 'hooking', 'ünïcode'] },
  { ...base, event_id: 'e-2', src_offset: 2, feature: 'f'.repeat(127), model: 'm'.repeat(128), stream_id: 's'.repeat(20_000) },
  {
    ...base,
    event_id: 'e-3',
    src_offset: 2 ** 45,
    cost_micros: Number.MAX_SAFE_INTEGER,
    policy_version: 2 ** 40,
    asn: 4_294_967_295,
    prompt_tokens: 4_294_967_295,
    src_partition: 65_535,
  },
  { ...base, event_id: 'e-4', src_offset: 4, rule_id: 'é'.repeat(100), reasons: ['x'.repeat(300)], app_version: '' },
]

describe('Native inserts', () => {
  it('store every value exactly as the row holds it', async () => {
    await new ClickHouseSink(store).write({ rows: edgeRows, deadLetters: [], bytes: 0 }, { topic: 'native', partition: 0, firstOffset: 0, lastOffset: 4 })
    const stored = await rows<Record<string, unknown>>(
      store,
      `
      SELECT * EXCEPT (ts, ingested_at), toUnixTimestamp64Milli(ts) AS ts FROM ${store.database}.events
      WHERE src_topic = 'native' ORDER BY event_id`,
    )
    expect(stored).toHaveLength(edgeRows.length)
    stored.forEach((row, i) => {
      const expected = edgeRows[i]
      for (const [column, value] of Object.entries(expected)) {
        // 64-bit integers come back quoted in JSON; compare them as numbers.
        const got = typeof value === 'number' ? Number(row[column]) : row[column]
        expect({ column, value: got }).toEqual({ column, value })
      }
    })
  })

  it('encode a block the same way every time, so a retried insert is recognised as one', () => {
    expect(encodeNativeBlock(edgeRows).equals(encodeNativeBlock(edgeRows.map((r) => ({ ...r }))))).toBe(true)
  })

  it("do not let one insert's deduplication token swallow a later insert of the same rows", async () => {
    const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 }
    const batch = (tag: string) =>
      prepareBatch(
        validRecords(3, 'same').map((r, offset) => ({ topic: tag, partition: 0, offset, key: r.key, value: Buffer.from(r.value as string) })),
        { limits, prices: defaultPriceBook, recentIds: new RecentIds() },
      )
    await new ClickHouseSink(store).write(batch('token-a'), { topic: 'token-a', partition: 0, firstOffset: 0, lastOffset: 2 })
    await store.client.insert({ table: `${store.database}.events`, values: batch('token-b').rows, format: 'JSONEachRow' })
    const [r] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events WHERE src_topic IN ('token-a', 'token-b')`)
    expect(Number(r.n)).toBe(6)
  })

  // Server mode sends JSONEachRow over HTTP and has no spool.
  it.skipIf(process.env.CLICKHOUSE_URL)('leave no spool file behind', () => {
    const spool = join(store.location, 'ingest-spool')
    expect(existsSync(spool)).toBe(true)
    expect(readdirSync(spool)).toEqual([])
  })
})

describe('the Native spool', () => {
  it('removes files a crashed process left, and each file once its insert returns, even a failed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'))
    writeFileSync(join(dir, '123-7.native'), 'left by a crash')
    const seen: string[] = []
    const insert = nativeSpool(dir, [
      async (sql) => {
        const path = /file\('([^']+)', Native\)/.exec(sql)![1]
        seen.push(readdirSync(dir).join(','))
        expect(existsSync(path)).toBe(true)
        if (seen.length === 2) throw new Error('store down')
      },
    ])
    expect(readdirSync(dir)).toEqual([])
    const p = { table: 'db.events', columns: ['a', 'b'], body: Buffer.from([1, 2, 3]), settings: { insert_deduplication_token: "t'1" } }
    await insert(p)
    await expect(insert(p)).rejects.toThrow('store down')
    expect(seen).toHaveLength(2)
    expect(readdirSync(dir)).toEqual([])
  })

  it('runs at most one insert per connection, and every insert once a connection frees up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'))
    const busy = new Set<number>()
    let overlaps = 0
    let done = 0
    const runner = (id: number) => async () => {
      if (busy.has(id)) overlaps++
      busy.add(id)
      await new Promise((r) => setTimeout(r, 20))
      busy.delete(id)
      done++
    }
    const insert = nativeSpool(dir, [runner(1), runner(2)])
    const p = { table: 'db.events', columns: ['a'], body: Buffer.from([1]), settings: {} }
    let peak = 0
    const watch = setInterval(() => (peak = Math.max(peak, busy.size)), 1)
    await Promise.all(Array.from({ length: 6 }, () => insert(p)))
    clearInterval(watch)
    expect({ done, overlaps, peak }).toEqual({ done: 6, overlaps: 0, peak: 2 })
  })

  it('quotes setting values and refuses names that are not identifiers', () => {
    const sql = spoolInsertSql(
      { table: 'db.events', columns: ['a'], settings: { insert_deduplication_token: "x'; DROP TABLE y; --", async_insert: 0 } },
      "/tmp/it's.native",
    )
    expect(sql).toContain("insert_deduplication_token = 'x\\'; DROP TABLE y; --'")
    expect(sql).toContain('async_insert = 0')
    expect(sql).toContain("file('/tmp/it\\'s.native', Native)")
    expect(() => spoolInsertSql({ table: 'db.events; DROP', columns: ['a'], settings: {} }, '/tmp/x')).toThrow('not an identifier')
    expect(() => spoolInsertSql({ table: 'db.events', columns: ['a) SELECT 1 --'], settings: {} }, '/tmp/x')).toThrow('not an identifier')
  })
})
