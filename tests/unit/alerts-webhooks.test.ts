import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { applyIncidentAction } from '../../lib/alerts/incident-actions'
import type { IncidentNotification } from '../../lib/alerts/incident-types'
import { assignIncidents } from '../../lib/alerts/incidents'
import { DEFAULT_ALERT_POLICY, reconcile } from '../../lib/alerts/lifecycle'
import type { Alert } from '../../lib/alerts/types'
import { SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, verifyTimestampedSignature } from '../../lib/alerts/webhook-signature'
import { SIGNATURE_HEADER, WebhookNotifier, webhookUrls, type DeliveryAttempt } from '../../lib/alerts/webhooks'

interface Received {
  body: string
  signature: string | undefined
  timestamp: string | null
  signatureV1: string | null
  at: number
}

/** A local receiver that answers with the given statuses in turn (then 200). */
async function receiver(statuses: number[], delayMs = 0): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push({
        body,
        signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
        timestamp: (req.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined) ?? null,
        signatureV1: (req.headers[SIGNATURE_V1_HEADER.toLowerCase()] as string | undefined) ?? null,
        at: Date.now(),
      })
      setTimeout(() => {
        res.statusCode = statuses.shift() ?? 200
        res.end('ok')
      }, delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server }
}

const alert = (severity: Alert['severity'] = 'critical'): Alert => ({
  ...reconcile(
    [],
    [
      {
        detector: 'prompt_bombing',
        subject_kind: 'install',
        subject: 'i-1',
        tenant_id: 'acme',
        severity,
        score: 95,
        title: 'Prompt bombing: install i-1',
        evidence: { reasons: ['context 100x median'] } as never,
      },
    ],
    0,
    DEFAULT_ALERT_POLICY,
  ).upserts[0],
  severity,
})
/** The 'opened' notification of the incident one new alert forms. */
const opened = (severity: Alert['severity'] = 'critical'): IncidentNotification => {
  const a = alert(severity)
  return assignIncidents([], [a], new Set([a.id]), 0).notifications[0]
}

const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

describe('webhook notifier', () => {
  it('posts a Slack-compatible payload signed with HMAC-SHA256 of the body', async () => {
    const r = await receiver([])
    servers.push(r.server)
    const n = new WebhookNotifier({ urls: { critical: r.url }, minSeverity: 'warning', secret: 's3cret', maxAttempts: 3 })
    expect(n.enqueue(opened())).toBe(true)
    await n.idle()
    expect(r.received).toHaveLength(1)
    const { body, signature } = r.received[0]
    expect(signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`)
    // The timestamped signature verifies now and is refused as a replay ten minutes later.
    const v1 = { timestamp: r.received[0].timestamp, signature: r.received[0].signatureV1 }
    expect(verifyTimestampedSignature('s3cret', body, v1)).toBe(true)
    expect(verifyTimestampedSignature('s3cret', body, v1, Date.now() + 10 * 60_000)).toBe(false)
    const payload = JSON.parse(body)
    expect(payload.text).toMatch(/New critical incident: Prompt bombing/)
    expect(Array.isArray(payload.blocks)).toBe(true)
    expect(JSON.stringify(payload.blocks)).toContain('context 100x median')
    await n.stop()
  })

  it('retries 5xx with growing backoff until it succeeds', async () => {
    const r = await receiver([500, 503])
    servers.push(r.server)
    const attempts: DeliveryAttempt[] = []
    const n = new WebhookNotifier({ urls: { critical: r.url }, minSeverity: 'info', maxAttempts: 5, baseDelayMs: 100, onAttempt: (a) => attempts.push(a) })
    n.enqueue(opened())
    await n.idle(5_000)
    expect(attempts.map((a) => [a.attempt, a.ok])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ])
    const gaps = [r.received[1].at - r.received[0].at, r.received[2].at - r.received[1].at]
    // 100 ms then 200 ms, each ±20%. Lower bounds only: a loaded machine can only make a wait longer.
    expect(gaps[0]).toBeGreaterThanOrEqual(75)
    expect(gaps[1]).toBeGreaterThanOrEqual(155)
    await n.stop()
  })

  it('signs each attempt when it is sent, so a retry is not refused as a replay', async () => {
    const r = await receiver([500])
    servers.push(r.server)
    // The retry waits 1.2-1.8 s: a signature made at enqueue time would be over a second old on arrival.
    const n = new WebhookNotifier({ urls: { critical: r.url }, minSeverity: 'info', secret: 's3cret', maxAttempts: 2, baseDelayMs: 1_500 })
    n.enqueue(opened())
    await n.idle(5_000)
    expect(r.received).toHaveLength(2)
    const [first, retry] = r.received
    expect(Number(retry.timestamp)).toBeGreaterThan(Number(first.timestamp))
    // The retry's signature covers its own timestamp.
    expect(verifyTimestampedSignature('s3cret', retry.body, { timestamp: retry.timestamp, signature: retry.signatureV1 }, retry.at)).toBe(true)
    await n.stop()
  })

  it('gives up after max attempts, and at once on a permanent 4xx', async () => {
    const r = await receiver([500, 500, 500, 500, 404])
    servers.push(r.server)
    const attempts: DeliveryAttempt[] = []
    const n = new WebhookNotifier({ urls: { critical: r.url }, minSeverity: 'info', maxAttempts: 2, baseDelayMs: 10, onAttempt: (a) => attempts.push(a) })
    n.enqueue(opened())
    await n.idle()
    expect(attempts).toHaveLength(2)
    r.received.length = 0
    const r2 = await receiver([404])
    servers.push(r2.server)
    const n2 = new WebhookNotifier({ urls: { critical: r2.url }, minSeverity: 'info', maxAttempts: 5, baseDelayMs: 10 })
    n2.enqueue(opened())
    await n2.idle()
    expect(r2.received).toHaveLength(1)
    await Promise.all([n.stop(), n2.stop()])
  })

  it('never blocks the caller on a slow receiver, and filters by severity', async () => {
    const r = await receiver([], 1_000)
    servers.push(r.server)
    const n = new WebhookNotifier({ urls: { warning: r.url, critical: r.url }, minSeverity: 'critical', maxAttempts: 1 })
    const started = performance.now()
    expect(n.enqueue(opened('warning'))).toBe(false)
    expect(n.enqueue(opened('critical'))).toBe(true)
    expect(performance.now() - started).toBeLessThan(50)
    await n.idle(3_000)
    expect(r.received).toHaveLength(1)
    await n.stop()
  })

  it('delivers "reopened" at the current severity when an incident snooze expires after an escalation', async () => {
    const warn = await receiver([])
    const crit = await receiver([])
    servers.push(warn.server, crit.server)
    const n = new WebhookNotifier({ urls: { warning: warn.url, critical: crit.url }, minSeverity: 'warning', maxAttempts: 1 })
    const f = (score: number) => ({
      detector: 'prompt_bombing' as const,
      subject_kind: 'install' as const,
      subject: 'i-1',
      tenant_id: 'acme',
      severity: score >= 90 ? ('critical' as const) : ('warning' as const),
      score,
      title: 'Prompt bombing: install i-1',
      evidence: { reasons: [] } as never,
    })
    // What applyDetectionRun does: reconcile the alerts, then group them into incidents.
    const step = (alerts: Alert[], score: number, now: number, incidents: ReturnType<typeof assignIncidents>['incidents']) => {
      const r = reconcile(alerts, [f(score)], now, DEFAULT_ALERT_POLICY)
      const byId = new Map([...alerts, ...r.upserts].map((a) => [a.id, a]))
      return assignIncidents(incidents, [...byId.values()], new Set(r.upserts.map((a) => a.id)), now)
    }
    const first = step([], 60, 0, [])
    const [alertRow] = first.alerts
    const snoozed = applyIncidentAction(first.incidents[0], [alertRow], 'snooze', 'alice', 60_000, { until: 5 * 60_000 })
    const during = step(snoozed.alerts, 95, 3 * 60_000, [snoozed.incident])
    const duringAlerts = reconcile(snoozed.alerts, [f(95)], 3 * 60_000, DEFAULT_ALERT_POLICY).upserts
    const after = step(duringAlerts, 95, 6 * 60_000, during.incidents)
    for (const r of [during, after]) for (const x of r.notifications) n.enqueue(x)
    await n.idle()
    // Nothing while snoozed (the escalation is held back); one message on expiry, at the severity reached.
    expect(during.notifications).toHaveLength(0)
    expect(warn.received).toHaveLength(0)
    expect(crit.received).toHaveLength(1)
    const payload = JSON.parse(crit.received[0].body)
    expect(payload.text).toMatch(/Reopened critical incident/)
    expect(payload.burnrate).toMatchObject({ event: 'reopened', incident: { state: 'open', severity: 'critical' } })
    await n.stop()
  })

  it('per-severity URLs override the default one', () => {
    expect(webhookUrls({ ALERT_WEBHOOK_URL: 'http://a', ALERT_WEBHOOK_URL_CRITICAL: 'http://c' })).toEqual({
      info: 'http://a',
      warning: 'http://a',
      critical: 'http://c',
    })
    expect(webhookUrls({})).toEqual({})
  })
})
