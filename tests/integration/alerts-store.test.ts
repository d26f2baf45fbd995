import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertDetailResponse, alertListQuery, alertListResponse } from '../../lib/alerts/api'
import { AlertNotFound, applyDetectionRun, transitionAlert } from '../../lib/alerts/engine'
import { DEFAULT_ALERT_POLICY as P, TransitionError } from '../../lib/alerts/lifecycle'
import { WebhookNotifier } from '../../lib/alerts/webhooks'
import type { DetectionRun } from '../../lib/detection/detect-all'
import type { Finding } from '../../lib/detection/types'
import { testStore } from '../helpers/store'

const MIN = 60_000
const T0 = Math.floor(Date.now() / MIN) * MIN - 60 * MIN

const finding = (subject: string, score: number, detector: Finding['detector'] = 'prompt_bombing'): Finding => ({
  detector,
  subject_kind: 'install',
  subject,
  tenant_id: 'acme',
  severity: score >= 90 ? 'critical' : score >= 50 ? 'warning' : 'info',
  score,
  title: `${detector} ${subject}`,
  evidence: { reasons: [`score ${score}`] } as never,
})
const run = (minute: number, findings: Finding[], failed: DetectionRun['failed'] = []): DetectionRun => ({
  now: T0 + minute * MIN,
  findings,
  failed,
  durationMs: {} as never,
})

describe('alerts in ClickHouse', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  const received: string[] = []
  let url = ''
  let close = () => {}

  beforeAll(async () => {
    store = await testStore('alerts')
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        received.push(body)
        // First delivery fails: the notifier must retry.
        res.statusCode = received.length === 1 ? 502 : 200
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    close = () => server.close()
  })

  afterAll(async () => {
    close()
    await store?.drop()
  })

  it('opens, dedupes, escalates, auto-resolves and notifies through a webhook with retries', async () => {
    const notifier = new WebhookNotifier({ urls: { warning: url, critical: url }, minSeverity: 'warning', secret: 'k', maxAttempts: 4, baseDelayMs: 20 })
    await applyDetectionRun(store, run(0, [finding('i-1', 60), finding('i-2', 40)]), P, notifier)
    await applyDetectionRun(store, run(1, [finding('i-1', 95)]), P, notifier)
    await applyDetectionRun(store, run(2, [finding('i-1', 40)]), P, notifier) // below open, above keep: still firing
    let list = await alertListResponse(store, alertListQuery.parse({ from: String(T0 - MIN), to: String(T0 + 30 * MIN) }), T0 + 3 * MIN)
    expect(list.alerts).toHaveLength(1)
    expect(list.alerts[0]).toMatchObject({ subject: 'i-1', state: 'open', severity: 'critical', score: 40, peak_score: 95, last_firing: T0 + 2 * MIN })
    // A failed detector run leaves it alone; a clear run after the quiet period resolves it.
    await applyDetectionRun(store, run(20, [], [{ detector: 'prompt_bombing', error: 'timeout' }]), P, notifier)
    expect((await alertDetailResponse(store, list.alerts[0].id))!.alert.state).toBe('open')
    await applyDetectionRun(store, run(21, []), P, notifier)
    const detail = (await alertDetailResponse(store, list.alerts[0].id))!
    expect(detail.alert).toMatchObject({ state: 'resolved', resolved_by: 'auto' })
    expect(detail.alert.evidence).toEqual({ reasons: ['score 40'] })
    expect(detail.transitions.map((t) => t.action)).toEqual(['create', 'escalate', 'auto_resolve'])
    await notifier.idle(5_000)
    await notifier.stop()
    // The failed first delivery ('opened') is retried after later ones: receivers order by alert state, not arrival.
    const events = received.slice(1).map((b) => JSON.parse(b).burnrate.event)
    expect(events.sort()).toEqual(['escalated', 'opened', 'resolved'])
    expect(JSON.parse(received[0]).burnrate.event).toBe('opened')
    expect(received.length).toBe(4)
    list = await alertListResponse(store, alertListQuery.parse({ state: 'open,acknowledged' }), T0 + 30 * MIN)
    expect(list.total).toBe(0)
  })

  it('records who acknowledged, snoozed and resolved, and refuses invalid moves', async () => {
    await applyDetectionRun(store, run(30, [finding('i-9', 70, 'stream_abuse')]), P)
    const [a] = (await alertListResponse(store, alertListQuery.parse({ detector: 'stream_abuse', state: 'open' }), T0 + 31 * MIN)).alerts
    const ack = await transitionAlert(store, a.id, 'acknowledge', 'alice', T0 + 31 * MIN)
    expect(ack.alert).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice' })
    // Detection keeps updating an acknowledged alert without undoing the acknowledgement.
    await applyDetectionRun(store, run(32, [finding('i-9', 75, 'stream_abuse')]), P)
    expect((await alertDetailResponse(store, a.id))!.alert).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice', score: 75 })
    await transitionAlert(store, a.id, 'reopen', 'bob', T0 + 33 * MIN)
    await transitionAlert(store, a.id, 'snooze', 'bob', T0 + 34 * MIN, { until: T0 + 94 * MIN, note: 'known tester' })
    await expect(transitionAlert(store, a.id, 'snooze', 'bob', T0 + 35 * MIN, { until: T0 + 99 * MIN })).rejects.toBeInstanceOf(TransitionError)
    await transitionAlert(store, a.id, 'resolve', 'carol', T0 + 36 * MIN)
    const detail = (await alertDetailResponse(store, a.id))!
    expect(detail.transitions.map((t) => `${t.actor}:${t.from_state}>${t.to_state}`)).toEqual([
      'detector:none>open',
      'alice:open>acknowledged',
      'bob:acknowledged>open',
      'bob:open>snoozed',
      'carol:snoozed>resolved',
    ])
    // Acted on through the alert's incident: the note says so, and keeps the user's words.
    expect(detail.transitions[3].note).toMatch(/^via incident [0-9a-f-]+: known tester$/)
    await expect(transitionAlert(store, 'no-such-alert', 'resolve', 'x', T0)).rejects.toBeInstanceOf(AlertNotFound)
  })

  it('filters by exact subject', async () => {
    await applyDetectionRun(store, run(40, [finding('i-4', 70), finding('i-40', 80), finding('i-41', 60), finding('i-4', 65, 'stream_abuse')]), P)
    const q = (subject: string) =>
      alertListResponse(store, alertListQuery.parse({ subject, from: String(T0 + 39 * MIN), to: String(T0 + 41 * MIN) }), T0 + 41 * MIN)
    const one = await q('i-4')
    expect(one.alerts.map((a) => `${a.detector}:${a.subject}`).sort()).toEqual(['prompt_bombing:i-4', 'stream_abuse:i-4'])
    expect(one.total).toBe(2)
    expect((await q('i-40')).alerts.map((a) => a.subject)).toEqual(['i-40'])
    expect((await q('i-')).alerts).toEqual([])
    const all = await alertListResponse(store, alertListQuery.parse({ from: String(T0 + 39 * MIN), to: String(T0 + 41 * MIN) }), T0 + 41 * MIN)
    expect(all.total).toBe(4)
  })

  it('bounds list queries', () => {
    expect(() => alertListQuery.parse({ subject: 'x'.repeat(201) })).toThrow()
    expect(() => alertListQuery.parse({ subject: '' })).toThrow()
    expect(() => alertListQuery.parse({ limit: '501' })).toThrow()
    expect(() => alertListQuery.parse({ state: 'open,bogus' })).toThrow()
    return expect(alertListResponse(store, alertListQuery.parse({ from: '0', to: String(40 * 86_400_000) }), T0)).rejects.toThrow(/31 days/)
  })
})
