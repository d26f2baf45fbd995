import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertListQuery, alertListResponse } from '../../lib/alerts/api'
import { applyDetectionRun, transitionIncident } from '../../lib/alerts/engine'
import { incidentDetailResponse, incidentListQuery, incidentListResponse } from '../../lib/alerts/incident-api'
import { DEFAULT_ALERT_POLICY as P } from '../../lib/alerts/lifecycle'
import { fanOut } from '../../lib/alerts/notify'
import { PagerDutyNotifier } from '../../lib/alerts/pagerduty'
import { WebhookNotifier } from '../../lib/alerts/webhooks'
import { costFindings, farmFindings, promptBombingFindings } from '../../lib/detection/detect-all'
import type { DetectionRun } from '../../lib/detection/detect-all'
import type { CostAnomalyRow, FarmCluster, Finding } from '../../lib/detection/types'
import { bombingRow as bombRow } from '../helpers/bombing-row'
import { testStore } from '../helpers/store'

const MIN = 60_000
const T0 = Math.floor(Date.now() / MIN) * MIN - 60 * MIN
const HOSTILE = '<!channel> <https://x.test|Open in Burnrate>'

const farmRow = (id: string, tenant: string, members: string[]): FarmCluster => ({
  cluster_id: id,
  tenant_id: tenant,
  score: 85,
  severity: 'critical',
  reasons: ['12 installs share one device build'],
  size: members.length,
  members,
  shared_traits: [{ trait: 'device_build', value: 'sdk_gphone', members: members.length }],
  rejection_mix: {},
  attest_rejected: 0,
  attest_accepted: members.length,
  new_installs: members.length,
  max_new_per_minute: 4,
  timing_dispersion: 0.1,
  signals: {} as never,
  cost_micros: 1,
  first_seen: T0,
  last_seen: T0,
})
const run = (minute: number, findings: Finding[]): DetectionRun => ({ now: T0 + minute * MIN, findings, failed: [], durationMs: {} as never })

interface Captured {
  path: string
  body: Record<string, unknown>
}
async function capture(): Promise<{ url: string; got: Captured[]; server: Server }> {
  const got: Captured[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: JSON.parse(body) })
      res.statusCode = 202
      res.end('{"status":"success"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, server }
}

describe('incidents in ClickHouse', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let pd: Awaited<ReturnType<typeof capture>>
  let slack: Awaited<ReturnType<typeof capture>>
  const notifier = () =>
    fanOut([
      new PagerDutyNotifier({ routingKey: 'test-routing-key', eventsUrl: `${pd.url}/v2/enqueue`, minSeverity: 'warning', maxAttempts: 2, baseDelayMs: 10 }),
      new WebhookNotifier({
        urls: { warning: `${slack.url}/hook`, critical: `${slack.url}/hook` },
        minSeverity: 'warning',
        maxAttempts: 2,
        baseDelayMs: 10,
        publicUrl: 'https://burnrate.example.com',
      }),
    ])
  const list = (tenant?: string) =>
    incidentListResponse(
      store,
      incidentListQuery.parse({ from: String(T0 - MIN), to: String(T0 + 120 * MIN), state: 'open,acknowledged,snoozed', tenant }),
      T0 + 60 * MIN,
    )

  beforeAll(async () => {
    store = await testStore('incidents')
    pd = await capture()
    slack = await capture()
  })
  afterAll(async () => {
    pd?.server.close()
    slack?.server.close()
    await store?.drop()
  })

  it('a farm of N members that also bomb is exactly one incident holding every member’s bombing evidence', async () => {
    const N = 24
    const members = Array.from({ length: N }, (_, k) => `farm-${k}`)
    const n = notifier()
    const findings = [...farmFindings([farmRow('c-farm', 'acme', members)]), ...promptBombingFindings(members.map((m) => bombRow(m, 'acme')))]
    await applyDetectionRun(store, run(0, findings), P, n)
    await applyDetectionRun(store, run(1, findings), P, n) // a second run changes nothing about the grouping
    const incidents = (await list('acme')).incidents
    expect(incidents).toHaveLength(1)
    const [i] = incidents
    expect(i.detectors).toEqual(['emulator_farms', 'prompt_bombing'])
    // No top-level bombing alert per member: only the farm's alert and one folded bombing alert.
    const bombing = await alertListResponse(
      store,
      alertListQuery.parse({ detector: 'prompt_bombing', tenant: 'acme', from: String(T0 - MIN), to: String(T0 + 120 * MIN) }),
      T0 + 60 * MIN,
    )
    expect(bombing.alerts.map((a) => a.subject_kind)).toEqual(['cluster'])
    const detail = (await incidentDetailResponse(store, i.id))!
    expect(detail.alerts.map((a) => a.detector).sort()).toEqual(['emulator_farms', 'prompt_bombing'])
    const folded = detail.alerts.find((a) => a.detector === 'prompt_bombing')!.evidence as unknown as {
      member_rows: { install_id: string; reasons: string[] }[]
    }
    expect(folded.member_rows.map((r) => r.install_id).sort()).toEqual([...members].sort())
    expect(folded.member_rows.every((r) => r.reasons[0].includes('context'))).toBe(true)
    await n.idle()
    // One page and one message for the attack, not one per member.
    const triggers = pd.got.filter((g) => g.body.event_action === 'trigger')
    expect(triggers).toHaveLength(1)
    expect(triggers[0].body).toMatchObject({ routing_key: 'test-routing-key', dedup_key: i.id })
    expect(slack.got).toHaveLength(1)
    await n.stop()
  })

  it('two unrelated attacks in different tenants are two incidents', async () => {
    await applyDetectionRun(
      store,
      run(2, [...promptBombingFindings([bombRow('b-1', 'globex', 'search', 80)]), ...promptBombingFindings([bombRow('b-2', 'initech', 'search', 80)])]),
      P,
    )
    expect((await list('globex')).incidents).toHaveLength(1)
    expect((await list('initech')).incidents).toHaveLength(1)
    expect((await list('globex')).incidents[0].id).not.toBe((await list('initech')).incidents[0].id)
  })

  it('acknowledging, then resolving an incident acts on its alerts and on PagerDuty with the same dedup_key', async () => {
    pd.got.length = 0
    slack.got.length = 0
    const n = notifier()
    const [i] = (await list('acme')).incidents
    const ack = await transitionIncident(store, i.id, 'acknowledge', 'alice', T0 + 3 * MIN, {}, undefined, n)
    expect(ack.incident).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice' })
    const detail = (await incidentDetailResponse(store, i.id))!
    expect(detail.alerts.map((a) => [a.state, a.acknowledged_by])).toEqual([
      ['acknowledged', 'alice'],
      ['acknowledged', 'alice'],
    ])
    expect(detail.transitions.map((t) => t.action)).toContain('acknowledge')
    expect(detail.alert_transitions.filter((t) => t.action === 'acknowledge')).toHaveLength(2)
    await transitionIncident(store, i.id, 'resolve', 'alice', T0 + 4 * MIN, {}, undefined, n)
    expect((await incidentDetailResponse(store, i.id))!.alerts.every((a) => a.state === 'resolved')).toBe(true)
    await n.idle()
    expect(pd.got.map((g) => [g.body.event_action, g.body.dedup_key])).toEqual([
      ['acknowledge', i.id],
      ['resolve', i.id],
    ])
    expect(pd.got.every((g) => g.path === '/v2/enqueue')).toBe(true)
    expect(slack.got.map((g) => (g.body.burnrate as { event: string }).event)).toEqual(['acknowledged', 'resolved'])
    await n.stop()
  })

  it('an app_version of <!channel> <https://x.test|Open in Burnrate> reaches Slack escaped: no ping, no link but ours', async () => {
    slack.got.length = 0
    const n = notifier()
    const row = {
      kind: 'cost_per_request',
      subject: `hooli/chat/${HOSTILE}`,
      subject_kind: 'feature',
      tenant_id: 'hooli',
      feature: 'chat',
      model: 'm',
      app_version: HOSTILE,
      score: 70,
      severity: 'warning',
      reasons: [`app_version ${HOSTILE}: cost per request 3.0x`],
      current: 3,
      expected: 1,
      ratio: 3,
      z: 9,
      requests: 100,
      cost_micros: 1,
      baseline: { kind: 'none', median: 1, mad: 0, samples: 0, description: '' },
      series: [],
    } as unknown as CostAnomalyRow
    await applyDetectionRun(store, run(5, costFindings([row])), P, n)
    await n.idle()
    expect(slack.got).toHaveLength(1)
    const raw = JSON.stringify([slack.got[0].body.text, slack.got[0].body.blocks])
    expect(raw).toContain('&lt;!channel&gt;')
    expect(raw).not.toContain('<!channel>')
    expect(raw).not.toContain('https://x.test')
    expect(raw.match(/<[^>]*>/g)).toEqual([expect.stringMatching(/^<https:\/\/burnrate\.example\.com\/alerts\?incident=[0-9a-f-]+\|Open in Burnrate>$/)])
    // Stored as sent: the escaping is at the notification boundary.
    const [i] = (await list('hooli')).incidents
    expect(i.title).toContain(HOSTILE)
    await n.stop()
  })
})
