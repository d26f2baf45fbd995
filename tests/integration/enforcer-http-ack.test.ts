import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { RunningEnforcer } from '../../lib/enforcement/service'
import { serveRoutes } from '../../harness/app-http'
import { waitFor } from '../../harness/free-port'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// An enforcer without Kafka (snapshot polling only) acks and heartbeats through POST /api/policy/ack over real HTTP,
// with the gateway token it polls with, so the Policies page's enforcers list shows it.
const TOKEN = 'gw-token-http-ack-0123456789abcdef0123'
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-enforcer-http-ack-')),
  CLICKHOUSE_DATABASE: `enforcer_http_ack_${process.pid}`,
  INGEST_SOURCE: 'none',
  DETECT_ENABLED: '0',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_GATEWAY_TOKENS: `edge-1=${TOKEN}`,
  POLICY_KAFKA: '0',
})
delete process.env.CLICKHOUSE_URL

type Routes = Record<'snapshot' | 'jwks' | 'ack' | 'enforcers' | 'changes' | 'audit', Record<string, Handler>>
let routes: Routes
let app: { url: string; stop: () => Promise<void> }
let call: ReturnType<typeof routeCaller>
let enforcer: RunningEnforcer | null = null

interface Seen {
  version: number
  enforcers: { replica: string; version: number; lastSeenMs: number; lagVersions: number }[]
}
const seen = async () => (await (await call(routes.enforcers.GET, 'GET', '/api/policy/enforcers', { role: 'viewer' })).json()) as Seen
const ackAudits = async () =>
  ((await (await call(routes.audit.GET, 'GET', '/api/audit?action=policy.ack', { role: 'admin' })).json()) as { entries: { actor: string; subject: string }[] })
    .entries

beforeAll(async () => {
  routes = {
    snapshot: await import('../../app/api/policy/snapshot/route'),
    jwks: await import('../../app/api/policy/jwks/route'),
    ack: await import('../../app/api/policy/ack/route'),
    enforcers: await import('../../app/api/policy/enforcers/route'),
    changes: await import('../../app/api/policy/changes/route'),
    audit: await import('../../app/api/audit/route'),
  } as unknown as Routes
  app = await serveRoutes({ '/api/policy/snapshot': routes.snapshot, '/api/policy/jwks': routes.jwks, '/api/policy/ack': routes.ack })
  const cookies: Partial<Record<Role, string>> = await signedInCookies(['admin', 'viewer'])
  call = routeCaller(cookies)
}, 60_000)
afterAll(async () => {
  await enforcer?.stop()
  await app?.stop()
})

describe('an enforcer without Kafka on the Policies page', () => {
  it('acks each version it applies and heartbeats over HTTP; one audit entry per version, not per heartbeat', async () => {
    const { startEnforcer } = await import('../../lib/enforcement/service')
    const logs: string[] = []
    const t0 = Date.now()
    const mark = (what: string) => console.log(`[enforcer-http-ack] ${what} +${Date.now() - t0} ms`)
    enforcer = await startEnforcer({
      host: '127.0.0.1',
      port: 0,
      replica: 'poll-1',
      policyUrl: app.url,
      gatewayToken: TOKEN,
      brokers: [],
      policyTopic: 'unused',
      eventsTopic: 'unused',
      group: 'unused',
      clientId: 'it',
      failMode: 'closed',
      maxStalenessMs: 30_000,
      pollMs: 200,
      leaseMs: 60_000,
      streamLeaseMs: 30_000,
      defaultMaxOutput: 1000,
      ackHeartbeatMs: 1_000,
      log: (l) => logs.push(l),
    })
    mark('started')
    // A fresh install's empty policy (v0) is acked at start.
    await waitFor('the replica to be listed at v0', async () => (await seen()).enforcers.some((e) => e.replica === 'poll-1'), 30_000)
    expect((await seen()).enforcers).toMatchObject([{ replica: 'poll-1', version: 0, lagVersions: 0 }])

    mark('listed at v0')
    const res = await call(routes.changes.POST, 'POST', '/api/policy/changes', {
      role: 'admin',
      body: { scope: 'install', subjects: ['i-http-ack'], action: 'revoke', controls: {}, durationMinutes: 60, reason: 'http ack test' },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const { version } = (await res.json()) as { version: number }
    expect(version).toBeGreaterThan(0)
    await waitFor('the replica to ack the new version', async () => (await seen()).enforcers.some((e) => e.version === version), 30_000)
    mark(`listed at v${version}`)
    const first = (await seen()).enforcers[0]
    expect(first).toMatchObject({ replica: 'poll-1', version, lagVersions: 0 })

    // Heartbeats move "last seen" while the version stays.
    await waitFor('a heartbeat after the ack', async () => (await seen()).enforcers[0].lastSeenMs > first.lastSeenMs, 30_000)
    mark('heartbeat seen')
    await new Promise((r) => setTimeout(r, 2_200))
    const audits = await ackAudits()
    expect(audits.map((a) => a.subject).sort()).toEqual(['enforcer-poll-1 v0', `enforcer-poll-1 v${version}`])
    expect(audits.every((a) => a.actor === 'gateway:edge-1')).toBe(true)
    expect(logs.filter((l) => l.includes('ack over HTTP failed'))).toEqual([])

    // Stopped: no more heartbeats, so "last seen" stops moving (an ack already in flight may still land).
    await enforcer.stop()
    enforcer = null
    await waitFor(
      '"last seen" to stop moving',
      async () => {
        const before = (await seen()).enforcers[0].lastSeenMs
        await new Promise((r) => setTimeout(r, 2_500))
        return (await seen()).enforcers[0].lastSeenMs === before
      },
      30_000,
    )
  }, 150_000)

  it('a gateway token may ack as itself or as an enforcer replica, not as another gateway', async () => {
    const post = (gateway_id: string) =>
      fetch(`${app.url}/api/policy/ack`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gateway_id, policy_version: 0 }),
      })
    expect((await post('edge-1')).status).toBe(200)
    expect((await post('enforcer-other')).status).toBe(200)
    expect((await post('edge-2')).status).toBe(403)
    const bad = await fetch(`${app.url}/api/policy/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer not-${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ gateway_id: 'enforcer-x', policy_version: 0 }),
    })
    expect(bad.status).toBe(401)
  })
})
