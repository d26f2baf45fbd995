import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IngestMetrics, registerMetrics } from '../../lib/ingest/health'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// The routes use the process runtime: a fresh chDB directory, no ingest of its own.
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-ingest-health-')),
  CLICKHOUSE_DATABASE: `ingest_health_${process.pid}`,
  INGEST_SOURCE: 'none',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_KAFKA: '0',
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<'viewer', string>> = {}
const call = routeCaller(cookies)
let status: Handler
let health: Handler

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer']))
  status = ((await import('../../app/api/ingest/health/status/route')) as unknown as { GET: Handler }).GET
  health = ((await import('../../app/api/ingest/health/route')) as unknown as { GET: Handler }).GET
})
afterAll(async () => {
  const { appStore } = await import('../../lib/runtime/app-runtime')
  await (await appStore()).close().catch(() => {})
})

/** A probe has no session: it gets the verdict only. A signed-in viewer also gets the problems. */
const probe = () => call(status, 'GET', '/api/ingest/health/status')
const asViewer = () => call(status, 'GET', '/api/ingest/health/status', { role: 'viewer' })

describe('ingest health for probes', () => {
  it('answers 200 ok while nothing is wrong', async () => {
    const m = new IngestMetrics('kafka')
    m.setConsumer({ state: 'running' })
    registerMetrics(m)
    const res = await probe()
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
    expect(await (await asViewer()).json()).toEqual({ status: 'ok', problems: [] })
  })

  it('answers 503 with the problem for a stuck partition here or a consumer down in another ingest process', async () => {
    const m = new IngestMetrics('kafka')
    m.partitionStuck({ topic: 'gateway-events', partition: 3, offset: 812, lastOffset: 830, error: 'lz4: corrupt frame' })
    registerMetrics(m)
    let res = await probe()
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'error' })
    res = await asViewer()
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      status: 'error',
      problems: ['this app: gateway-events partition 3 stuck at offset 812 (batch 812-830, 1 attempt): lz4: corrupt frame'],
    })

    // A standalone `npm run ingest` reports through ingest_status; its consumer is down.
    const remote = new IngestMetrics('kafka')
    remote.setConsumer({ state: 'restarting', restarts: 2, lastCrash: { at: Date.UTC(2026, 0, 1), message: 'broker gone' }, nextRestartAt: null })
    const { appStore } = await import('../../lib/runtime/app-runtime')
    const store = await appStore()
    await store.client.insert({
      table: `${store.database}.ingest_status`,
      format: 'JSONEachRow',
      values: [{ at: Date.now(), instance_id: 'ingest-host-7', source: 'kafka', health: JSON.stringify(remote.snapshot()) }],
    })
    registerMetrics(new IngestMetrics('kafka'))
    expect((await probe()).status).toBe(503)
    res = await asViewer()
    expect(res.status).toBe(503)
    const body = (await res.json()) as { problems: string[] }
    expect(body.problems).toEqual(['ingest-host-7: Kafka consumer down since 2026-01-01T00:00:00.000Z (broker gone); restart 2 in progress'])

    // The page's endpoint carries the same verdict next to the snapshots.
    const page = await call(health, 'GET', '/api/ingest/health', { role: 'viewer' })
    expect(page.status).toBe(200)
    expect(await page.json()).toMatchObject({
      status: 'error',
      problems: body.problems,
      instances: [{ instance_id: 'ingest-host-7', health: { consumer: { state: 'restarting' } } }],
    })
  })
})
