import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyDetectionRun } from '../../lib/alerts/engine'
import { incidentDetailResponse } from '../../lib/alerts/incident-api'
import type { IncidentDelivery } from '../../lib/alerts/incident-types'
import { DEFAULT_ALERT_POLICY } from '../../lib/alerts/lifecycle'
import { notifierFromConfig } from '../../lib/alerts/notify'
import { configSchema } from '../../lib/config'
import { promptBombingFindings } from '../../lib/detection/detect-all'
import { bombingRow } from '../helpers/bombing-row'
import { testStore } from '../helpers/store'

// alert_deliveries is read back: the incident detail lists every notification attempt of the incident.
const row = bombingRow('i-deliveries')
const MIN = 60_000
const T0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN

describe('incident detail deliveries', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let server: Server
  let requests = 0

  beforeAll(async () => {
    store = await testStore('deliveries')
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        // The first attempt gets a 500, the retry a 204.
        res.statusCode = requests++ === 0 ? 500 : 204
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  })
  afterAll(async () => {
    server?.close()
    await store?.drop()
  })

  it('lists each attempt to notify a target, failed then delivered, with its answer', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    const config = configSchema.parse({ ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_MAX_ATTEMPTS: '3' })
    const notifier = notifierFromConfig(store, config, () => {})
    await applyDetectionRun(store, { now: T0, findings: promptBombingFindings([row]), failed: [], durationMs: {} as never }, DEFAULT_ALERT_POLICY, notifier)
    await notifier.idle(30_000)
    const [incidentId] = (
      await store.client.query({ query: `SELECT id FROM ${store.database}.incidents FINAL`, format: 'JSONEachRow' }).then((r) => r.json<{ id: string }>())
    ).map((r) => r.id)
    let deliveries: IncidentDelivery[] = []
    for (let i = 0; i < 100 && deliveries.length < 2; i++) {
      deliveries = (await incidentDetailResponse(store, incidentId))!.deliveries
      if (deliveries.length < 2) await new Promise((r) => setTimeout(r, 100))
    }
    const host = new URL(url).host
    expect(deliveries.map(({ target, attempt, status: s, ok }) => ({ target, attempt, status: s, ok }))).toEqual([
      { target: `webhook ${host}`, attempt: 1, status: 500, ok: false },
      { target: `webhook ${host}`, attempt: 2, status: 204, ok: true },
    ])
    expect(deliveries[0].error).toBe('HTTP 500')
    expect(deliveries[0].at).toBeLessThanOrEqual(deliveries[1].at)
    await notifier.stop(5_000)
  })
})
