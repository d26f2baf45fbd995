import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { Store } from '../../lib/clickhouse/client'
import { holdDeclaredRows, holdDeclaredTestTraffic } from '../../lib/detection/declared-test-traffic'
import type { Finding } from '../../lib/detection/types'
import { declareTestSource } from '../../lib/test-sources/api'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'
import { embeddedAppEnv } from '../../harness/app-env'
import { llmRequest } from '../helpers/events'
import { eventLoader } from '../helpers/load-events'

embeddedAppEnv('test-sources')

const cookies: Partial<Record<Role, string>> = {}
let routes: Record<string, Record<string, Handler>>
let store: Store
const call = routeCaller(cookies)
const now = Date.now()
const DAY = 86_400_000

/** Installs of acme: lab-0..2 in the QA lab's /24, out-0 elsewhere, stage-0 on a staging bundle elsewhere. */
const installs: Record<string, Record<string, string>> = {
  'lab-0': { ip_prefix: '198.51.100.0/24' },
  'lab-1': { ip_prefix: '198.51.100.0/24' },
  'lab-2': { ip_prefix: '198.51.100.0/24' },
  'out-0': { ip_prefix: '203.0.113.0/24' },
  'stage-0': { ip_prefix: '192.0.2.0/24', app_id: 'com.acme.app.staging' },
}

const finding = (detector: Finding['detector'], members: string[], score = 80): Finding => ({
  detector,
  tenant_id: 'acme',
  subject_kind: members.length > 1 ? 'cluster' : 'install',
  subject: members.join('+'),
  severity: 'warning',
  score,
  title: 't',
  evidence: { install_id: members[0], members: members.length > 1 ? members : undefined, score, severity: 'warning', reasons: ['lockstep'] } as never,
})

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer', 'finance', 'responder', 'admin']))
  routes = {
    sources: await import('../../app/api/test-sources/route'),
    audit: await import('../../app/api/audit/route'),
  } as unknown as Record<string, Record<string, Handler>>
  const { appStore } = await import('../../lib/runtime/app-runtime')
  store = await appStore()
  const events = Object.entries(installs).map(([install_id, o]) => llmRequest({ tenant_id: 'acme', install_id, ts: now - 60_000, ...o }))
  expect((await eventLoader(store).load(events, now)).rows).toBe(events.length)
}, 120_000)

afterAll(async () => {
  await store?.close().catch(() => {})
})

describe('declared test traffic: the API', () => {
  it('only admins declare; bad values are refused with the reason', async () => {
    const body = { tenant_id: 'acme', kind: 'network', value: '198.51.100.77', note: 'QA lab, floor 3', days: 7 }
    for (const role of ['viewer', 'finance', 'responder'] as const)
      expect((await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role, body })).status).toBe(403)
    const wide = await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body: { ...body, value: '198.0.0.0/8' } })
    expect(wide.status).toBe(400)
    expect(JSON.stringify(await wide.json())).toContain('at most /16 wide')
    expect((await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body: { ...body, days: 31 } })).status).toBe(400)
    const badPrint = { ...body, kind: 'device_fingerprint', value: '0000000000000000' }
    expect((await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body: badPrint })).status).toBe(400)
    const ok = await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body })
    expect(ok.status).toBe(200)
    // A full address is cut to the /24 events store: no address is kept.
    expect((await ok.json()).source).toMatchObject({ value: '198.51.100.0/24', updated_by: 'admin-user' })
    const list = await (await call(routes.sources.GET, 'GET', '/api/test-sources', { role: 'viewer' })).json()
    expect(list.sources).toEqual([expect.objectContaining({ tenant_id: 'acme', kind: 'network', value: '198.51.100.0/24', note: 'QA lab, floor 3' })])
  })

  it('declaring, renewing and removing are audited with before and after', async () => {
    const body = { tenant_id: 'acme', kind: 'app_id', value: 'com.acme.app.staging', note: 'staging build', days: 1 }
    expect((await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body })).status).toBe(200)
    expect((await call(routes.sources.PUT, 'PUT', '/api/test-sources', { role: 'admin', body: { ...body, note: 'staging, renewed' } })).status).toBe(200)
    const key = { tenant_id: 'acme', kind: 'app_id', value: 'com.acme.app.staging' }
    expect((await call(routes.sources.DELETE, 'DELETE', '/api/test-sources', { role: 'responder', body: key })).status).toBe(403)
    expect((await call(routes.sources.DELETE, 'DELETE', '/api/test-sources', { role: 'admin', body: key })).status).toBe(200)
    expect((await call(routes.sources.DELETE, 'DELETE', '/api/test-sources', { role: 'admin', body: key })).status).toBe(404)
    const audit = async (action: string) =>
      (await (await call(routes.audit.GET, 'GET', `/api/audit?action=${action}`, { role: 'admin' })).json()).entries.filter(
        (e: { subject: string }) => e.subject === 'acme/app_id:com.acme.app.staging',
      )
    const declared = await audit('test_source.declare')
    expect(declared).toHaveLength(2)
    expect(declared.find((e: { before: unknown }) => e.before !== null).before).toMatchObject({ note: 'staging build' })
    expect((await audit('test_source.remove'))[0]).toMatchObject({
      actor: 'admin-user',
      after: null,
      before: expect.objectContaining({ note: 'staging, renewed' }),
    })
  })
})

describe('declared test traffic: detection', () => {
  it('holds back a finding whose every install is declared, with the declaration in its reasons', async () => {
    const [farm, mixed, single] = await holdDeclaredTestTraffic(
      store,
      [finding('emulator_farms', ['lab-0', 'lab-1', 'lab-2']), finding('emulator_farms', ['lab-0', 'lab-1', 'out-0']), finding('prompt_bombing', ['lab-2'])],
      now,
    )
    expect(farm.score).toBe(49)
    expect(farm.severity).toBe('info')
    expect(farm.evidence.reasons.at(-1)).toContain('declared test traffic (network 198.51.100.0/24: "QA lab, floor 3"')
    // One install off the declared network: the finding alerts as found.
    expect(mixed.score).toBe(80)
    expect(single.score).toBe(49)
  })

  it('labels the detector pages rows as the alerts see them: held rows are not flagged', async () => {
    const row = (o: object) => ({ tenant_id: 'acme', score: 70, severity: 'warning' as const, reasons: ['lockstep'], ...o })
    const [farm, install] = await holdDeclaredRows(store, [row({ members: ['lab-0', 'lab-1'] }), row({ install_id: 'out-0' })], now)
    expect(farm).toMatchObject({ score: 49, severity: null })
    expect(farm.reasons).toHaveLength(2)
    expect(install).toMatchObject({ score: 70, severity: 'warning', reasons: ['lockstep'] })
  })

  it('never holds cost anomalies, findings under the alert line, removed or expired declarations', async () => {
    const cost = { ...finding('cost_anomalies', ['lab-0']), subject_kind: 'feature' as const }
    const [c, low] = await holdDeclaredTestTraffic(store, [cost, finding('stream_abuse', ['lab-0'], 30)], now)
    expect(c.score).toBe(80)
    expect(low).toMatchObject({ score: 30, evidence: expect.objectContaining({ reasons: ['lockstep'] }) })
    // stage-0's bundle was declared and then removed above.
    expect((await holdDeclaredTestTraffic(store, [finding('token_reuse', ['stage-0'])], now))[0].score).toBe(80)
    // A declaration made 8 days ago for 7 days has expired.
    const who = { actor: 'admin-user', actorRole: 'admin', ipPrefix: null }
    await declareTestSource(store, { tenant_id: 'acme', kind: 'network', value: '203.0.113.0/24', note: 'old lab', days: 7 }, who, now - 8 * DAY)
    expect((await holdDeclaredTestTraffic(store, [finding('token_reuse', ['out-0'])], now))[0].score).toBe(80)
  })
})
