import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { applyIncidentAction } from '../../lib/alerts/incident-actions'
import { assignIncidents } from '../../lib/alerts/incidents'
import { DEFAULT_ALERT_POLICY, reconcile } from '../../lib/alerts/lifecycle'
import { PagerDutyNotifier } from '../../lib/alerts/pagerduty'

const KEY = 'R0UTINGKEY0123456789abcdef012345'
const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

/** A local Events API: answers the given statuses in turn (then 202). */
async function eventsApi(statuses: number[]) {
  const got: Record<string, unknown>[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      got.push(JSON.parse(body))
      res.statusCode = statuses.shift() ?? 202
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  servers.push(server)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`, got }
}

const opened = () => {
  const alerts = reconcile(
    [],
    [
      {
        detector: 'stream_abuse',
        subject_kind: 'install',
        subject: 'i-1',
        tenant_id: 'acme',
        severity: 'critical',
        score: 95,
        title: 'Stream abuse: install i-1',
        evidence: { reasons: [] } as never,
      },
    ],
    0,
    DEFAULT_ALERT_POLICY,
  ).upserts
  return { alerts, run: assignIncidents([], alerts, new Set(alerts.map((a) => a.id)), 0) }
}

describe('PagerDuty notifier', () => {
  it('keeps trigger before acknowledge for one incident even when the trigger is retried', async () => {
    const api = await eventsApi([500])
    const pd = new PagerDutyNotifier({ routingKey: KEY, eventsUrl: api.url, minSeverity: 'warning', maxAttempts: 3, baseDelayMs: 50 })
    const { alerts, run } = opened()
    pd.enqueue(run.notifications[0])
    pd.enqueue(applyIncidentAction(run.incidents[0], alerts, 'acknowledge', 'alice', 1).notification)
    await pd.idle()
    expect(api.got.map((b) => b.event_action)).toEqual(['trigger', 'trigger', 'acknowledge'])
    expect(new Set(api.got.map((b) => b.dedup_key))).toEqual(new Set([run.incidents[0].id]))
    await pd.stop()
  })

  it('never writes the routing key to the log', async () => {
    const api = await eventsApi([400])
    const lines: string[] = []
    const pd = new PagerDutyNotifier({ routingKey: KEY, eventsUrl: api.url, minSeverity: 'warning', maxAttempts: 1, log: (l) => lines.push(l) })
    pd.enqueue(opened().run.notifications[0])
    await pd.idle()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/pagerduty 127\.0\.0\.1:\d+ delivery .* failed/)
    expect(lines.join('\n')).not.toContain(KEY)
    await pd.stop()
  })

  it('does not page for a severity below the minimum, nor for a new alert joining an open incident', () => {
    const pd = new PagerDutyNotifier({ routingKey: KEY, eventsUrl: 'http://127.0.0.1:9/', minSeverity: 'critical', maxAttempts: 1 })
    const n = opened().run.notifications[0]
    expect(pd.enqueue({ ...n, incident: { ...n.incident, severity: 'warning' } })).toBe(false)
    expect(pd.enqueue({ ...n, event: 'updated' })).toBe(false)
    void pd.stop(0)
  })
})
