import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { Store } from '../../lib/clickhouse/client'
import { ORIGIN, routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// The route handlers use the process runtime: a fresh chDB directory, no ingest, no detector loop, one trusted proxy.
const GATEWAY_TOKEN = 'gw-token-audit-0123456789abcdef012345'
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-routes-audit-')),
  CLICKHOUSE_DATABASE: `routes_audit_${process.pid}`,
  INGEST_SOURCE: 'none',
  DETECT_ENABLED: '0',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_GATEWAY_TOKENS: `edge-1=${GATEWAY_TOKEN}`,
  POLICY_KAFKA: '0',
  TRUSTED_PROXY_HOPS: '1',
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<Role, string>> = {}
let routes: Record<string, Record<string, Handler>>
let store: Store
const call = routeCaller(cookies)

const count = async (sql: string) => {
  const rs = await store.client.query({ query: sql.replaceAll('DB', store.database), format: 'JSONEachRow' })
  return Number((await rs.json<{ n: string }>())[0].n)
}
async function withAuditDown<T>(fn: () => Promise<T>): Promise<T> {
  await store.client.command({ query: `RENAME TABLE ${store.database}.audit_log TO ${store.database}.audit_log_off` })
  try {
    return await fn()
  } finally {
    await store.client.command({ query: `RENAME TABLE ${store.database}.audit_log_off TO ${store.database}.audit_log` })
  }
}

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['responder', 'admin']))
  routes = {
    ack: await import('../../app/api/policy/ack/route'),
    rotate: await import('../../app/api/policy/keys/rotate/route'),
    proposal: await import('../../app/api/policy/proposals/[id]/route'),
    changes: await import('../../app/api/policy/changes/route'),
    transition: await import('../../app/api/alerts/[id]/transition/route'),
    audit: await import('../../app/api/audit/route'),
    exportAudit: await import('../../app/api/audit/export/route'),
  } as unknown as Record<string, Record<string, Handler>>
  const { appStore } = await import('../../lib/runtime/app-runtime')
  store = await appStore()
})

afterAll(async () => {
  await store?.close().catch(() => {})
})

type Entry = { id: string; at: string; action: string; actor: string; actorRole: string; subject: string; ipPrefix: string }
const auditEntries = async (action: string) =>
  ((await (await call(routes.audit.GET, 'GET', `/api/audit?action=${action}`, { role: 'admin' })).json()) as { entries: Entry[] }).entries

describe('mutating routes with the audit store down change nothing', () => {
  it('policy ack, key rotation, policy change and alert transition answer 500 and leave no trace', async () => {
    const bearer = { authorization: `Bearer ${GATEWAY_TOKEN}` }
    const { applyDetectionRun } = await import('../../lib/alerts/engine')
    const { DEFAULT_ALERT_POLICY } = await import('../../lib/alerts/lifecycle')
    const { getAlert } = await import('../../lib/alerts/store')
    const { controls } = await import('../../lib/runtime/controls')
    const now = Date.now()
    await applyDetectionRun(
      store,
      {
        now,
        failed: [],
        durationMs: {} as never,
        findings: [
          {
            detector: 'prompt_bombing',
            subject_kind: 'install',
            subject: 'i-7',
            tenant_id: 'acme',
            severity: 'warning',
            score: 70,
            title: 'bomber',
            evidence: {} as never,
          },
        ],
      },
      DEFAULT_ALERT_POLICY,
    )
    const alertRows = await store.client.query({ query: `SELECT id FROM ${store.database}.alerts FINAL`, format: 'JSONEachRow' })
    const [{ id: alertId }] = await alertRows.json<{ id: string }>()
    const { ring, service } = await controls()
    const kids = ring.jwks().keys.map((k) => k.kid)

    await withAuditDown(async () => {
      expect((await call(routes.ack.POST, 'POST', '/api/policy/ack', { headers: bearer, body: { gateway_id: 'edge-1', policy_version: 1 } })).status).toBe(500)
      expect((await call(routes.rotate.POST, 'POST', '/api/policy/keys/rotate', { role: 'admin' })).status).toBe(500)
      const change = { scope: 'install', subjects: ['i-7'], action: 'revoke', controls: {}, durationMinutes: 30, reason: 'audit down' }
      expect((await call(routes.changes.POST, 'POST', '/api/policy/changes', { role: 'responder', body: change })).status).toBe(500)
      const t = await call(routes.transition.POST, 'POST', `/api/alerts/${alertId}/transition`, {
        role: 'responder',
        body: { action: 'acknowledge' },
        params: { id: alertId },
      })
      expect(t.status).toBe(500)
    })
    expect(await count(`SELECT count() AS n FROM DB.events WHERE type = 'policy_ack'`)).toBe(0)
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual(kids)
    expect(service.version).toBe(0)
    expect((await getAlert(store, alertId))?.state).toBe('open')

    // Up again: the same requests go through, each with its entry.
    const ack = await call(routes.ack.POST, 'POST', '/api/policy/ack', {
      headers: { ...bearer, 'x-forwarded-for': '198.51.100.7, 203.0.113.50' },
      body: { gateway_id: 'edge-1', policy_version: 1 },
    })
    expect(ack.status).toBe(200)
    expect(await count(`SELECT count() AS n FROM DB.events WHERE type = 'policy_ack'`)).toBe(1)
    // The client-supplied first hop is ignored; the one the trusted proxy appended is kept, as a prefix.
    expect(await auditEntries('policy.ack')).toMatchObject([{ actor: 'gateway:edge-1', subject: 'edge-1 v1', ipPrefix: '203.0.113.0/24' }])
    expect((await call(routes.rotate.POST, 'POST', '/api/policy/keys/rotate', { role: 'admin' })).status).toBe(200)
    expect(await auditEntries('config.policy_key_rotate')).toMatchObject([{ actor: 'admin-user', subject: `retire ${kids.at(-1)}` }])
    const t = await call(routes.transition.POST, 'POST', `/api/alerts/${alertId}/transition`, {
      role: 'responder',
      body: { action: 'acknowledge' },
      params: { id: alertId },
    })
    expect(t.status).toBe(200)
    expect(await auditEntries('alert.')).toMatchObject([{ action: 'alert.acknowledge', actor: 'responder-user', subject: alertId }])
  })

  it('refuses a malformed proposal id before touching the store', async () => {
    const res = await call(routes.proposal.POST, 'POST', '/api/policy/proposals/x', { role: 'admin', body: { approve: true }, params: { id: 'x' } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/invalid proposal id/)
  })
})

describe('audit export', () => {
  it('is oldest first from since, says when it is truncated, and pages through every entry exactly once', async () => {
    const { recordAudit } = await import('../../lib/audit')
    // Entries far in the past, several sharing a millisecond, so they sort before everything else.
    const T = Date.UTC(2020, 0, 1)
    const seeded: string[] = []
    for (let n = 0; n < 7; n++) seeded.push(await recordAudit(store, { actor: 'seed', action: 'test.seed', subject: `s${n}`, at: T + Math.floor(n / 3) }))

    const first = await call(routes.exportAudit.POST, 'POST', `/api/audit/export?since=${T}&limit=3`, { role: 'admin' })
    expect(first.headers.get('x-truncated')).toBe('true')
    const lines = (await first.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(4)
    // The three oldest (same millisecond, so in id order), not the newest three.
    expect(
      lines
        .slice(0, 3)
        .map((e) => e.subject)
        .sort(),
    ).toEqual(['s0', 's1', 's2'])
    expect(lines.slice(0, 3).map((e) => e.id)).toEqual(seeded.slice(0, 3).sort())
    expect(lines[3]).toEqual({ truncated: true, next: expect.stringMatching(/^\/api\/audit\/export\?after=.+&limit=3$/) })
    expect(first.headers.get('x-next-after')).toBe(new URL(lines[3].next, ORIGIN).searchParams.get('after'))

    const ids: string[] = lines.slice(0, 3).map((e) => e.id)
    let next: string | null = lines[3].next
    for (let page = 0; next && page < 50; page++) {
      const res = await call(routes.exportAudit.POST, 'POST', next, { role: 'admin' })
      const body = (await res.text())
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
      next = res.headers.get('x-truncated') === 'true' ? body.pop().next : null
      ids.push(...body.map((e: { id: string }) => e.id))
    }
    expect(next).toBeNull()
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.slice(0, 7).sort()).toEqual([...seeded].sort())
    expect(ids.length).toBe(await count(`SELECT count() AS n FROM DB.audit_log WHERE at >= fromUnixTimestamp64Milli(${T})`))

    // Paging back from the newest in the admin list honours its bound too.
    expect((await auditEntries(`test.seed&before=${T + 1}`)).map((e) => e.subject).sort()).toEqual(['s0', 's1', 's2'])

    const bad = await call(routes.exportAudit.POST, 'POST', '/api/audit/export?after=nope', { role: 'admin' })
    expect(bad.status).toBe(400)
  })

  it('has no side effect a cross-site link can trigger: GET is refused unaudited, a cross-site POST too (issue 18, I1)', async () => {
    const before = await count(`SELECT count() AS n FROM DB.audit_log WHERE action = 'audit.export'`)
    const get = await call(routes.exportAudit.GET, 'GET', '/api/audit/export', { role: 'admin' })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const cross = await call(routes.exportAudit.POST, 'POST', '/api/audit/export', { role: 'admin', headers: { origin: 'https://evil.test' } })
    expect(cross.status).toBe(403)
    expect(await count(`SELECT count() AS n FROM DB.audit_log WHERE action = 'audit.export'`)).toBe(before)
  })
})
