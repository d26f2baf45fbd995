import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rangeQuery } from '../../lib/dashboard/params'
import { MAX_EPOCH_MS, rangeSqlParams, resolveRange } from '../../lib/time-range'
import { signedInCookies } from '../../harness/session-cookies'

const UINT32_MAX = 4_294_967_295

describe('time range bounds', () => {
  it('never resolves to seconds past UInt32, the type the range SQL binds', () => {
    for (const [from, to] of [
      [MAX_EPOCH_MS - 1, MAX_EPOCH_MS],
      [MAX_EPOCH_MS - 30_000, MAX_EPOCH_MS],
      [0, MAX_EPOCH_MS],
    ]) {
      const r = rangeSqlParams(resolveRange({ range: 'custom', from, to }))
      expect(r.to).toBeLessThanOrEqual(UINT32_MAX)
      expect(r.from).toBeGreaterThanOrEqual(0)
    }
  })

  it('the parser refuses later bounds, as numbers or ISO times, naming the limit', () => {
    const schema = rangeQuery({})
    expect(schema.safeParse({ range: 'custom', from: '0', to: String(MAX_EPOCH_MS) }).success).toBe(true)
    for (const to of [String(MAX_EPOCH_MS + 1), '4294967295000', '8640000000000', '2106-02-07T06:28:16Z', '2200-01-01T00:00:00Z']) {
      const r = schema.safeParse({ range: 'custom', from: '0', to })
      expect(r.success, to).toBe(false)
      expect(r.error!.issues[0]).toMatchObject({ path: ['to'], message: expect.stringContaining('2106-02-07T06:28:00.000Z') })
    }
    expect(schema.safeParse({ range: 'custom', from: '1969-12-31T00:00:00Z', to: '1' }).success).toBe(false)
  })
})

describe('a dashboard route given a bound past 2106', () => {
  beforeAll(() => {
    // The route checks the session against the store: a fresh one, no ingest.
    Object.assign(process.env, { DATA_DIR: mkdtempSync(join(tmpdir(), 'br-range-')), CLICKHOUSE_DATABASE: `range_${process.pid}`, INGEST_SOURCE: 'none' })
    delete process.env.CLICKHOUSE_URL
  })
  afterAll(async () => {
    const { appStore } = await import('../../lib/runtime/app-runtime')
    await (await appStore()).close().catch(() => {})
  })

  it('answers 400 with the parameter and the limit, before any dashboard query', async () => {
    const { GET } = await import('../../app/api/overview/kpis/route')
    const cookie = (await signedInCookies(['viewer'])).viewer!
    const res = await GET(new Request(`http://localhost:3000/api/overview/kpis?range=custom&from=0&to=8640000000000`, { headers: { cookie } }))
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: string; details: { path: string; message: string }[] }
    expect(body.error).toBe('invalid query parameters')
    expect(body.details).toContainEqual({ path: 'to', message: `must be at most ${MAX_EPOCH_MS} (2106-02-07T06:28:00.000Z)` })
  })
})
