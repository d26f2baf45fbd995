import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listAudit } from '../../lib/audit'
import type { Principal } from '../../lib/auth/roles'
import { recordAck } from '../../lib/policy/ack'
import { applyChangeRequest, decide, undoChange } from '../../lib/policy/apply'
import { blastRadius } from '../../lib/policy/blast'
import { changeHistory } from '../../lib/policy/history'
import { KeyRing, verifyPolicyJws } from '../../lib/policy/keys'
import { PolicyService } from '../../lib/policy/service'
import { snapshotResponse, type DeltaPayload, type SnapshotPayload } from '../../lib/policy/snapshot'
import type { ChangeRequest } from '../../lib/policy/types'
import { testStore } from '../helpers/store'

const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const admin2: Principal = { ...admin, userId: 'bob' }
const responder: Principal = { userId: 'rita', displayName: 'Rita', role: 'responder', provider: 'local' }
const limits = { responderMaxInstalls: 5, responderMaxHours: 24, secondApprover: true }
const revoke = (subjects: string[], extra: Partial<ChangeRequest> = {}): ChangeRequest => ({
  scope: 'install',
  subjects,
  action: 'revoke',
  controls: {},
  durationMinutes: 60,
  reason: 'prompt bomber',
  confirmCount: subjects.length,
  ...extra,
})

let store: Awaited<ReturnType<typeof testStore>>
let service: PolicyService
let deps: { store: typeof store; service: PolicyService; limits: typeof limits }

beforeAll(async () => {
  store = await testStore('policy_log')
  service = new PolicyService(store)
  deps = { store, service, limits }
  const now = Date.now()
  // Two installs' recent calls for the dry run: i1 heavy, i2 light.
  const calls = [...Array(20)].map((_, n) => ({
    ts: now - 10 * 60_000 + n * 1000,
    event_id: `c${n}`,
    type: 'llm_request',
    tenant_id: 't1',
    install_id: n < 15 ? 'i1' : 'i2',
    feature: 'chat',
    model: 'gpt-4o-mini',
    prompt_tokens: n < 15 ? 9000 : 100,
    completion_tokens: 500,
    context_tokens: n < 15 ? 9000 : 100,
    cost_micros: 1000,
  }))
  await store.client.insert({ table: `${store.database}.events`, values: calls, format: 'JSONEachRow' })
})
afterAll(async () => {
  service?.stop()
  await store?.drop()
})

describe('policy log', () => {
  it('appends versions with before/after, derives the current policy, and undoes by a new version', async () => {
    const r1 = await applyChangeRequest(deps, responder, revoke(['i1']), '203.0.113.77')
    expect(r1.status).toBe('applied')
    const r2 = await applyChangeRequest(
      deps,
      admin,
      { ...revoke(['i1', 'i2']), action: 'quota', controls: { tokensPerMinute: 5000 }, durationMinutes: null },
      null,
    )
    if (r2.status !== 'applied') throw new Error('expected applied')
    expect(r2.change.version).toBe(2)
    expect(r2.change.rules[0].before?.controls).toEqual({ revoked: true })
    expect(service.rulesMap().get('install:i1')?.controls).toEqual({ revoked: true, tokensPerMinute: 5000 })

    // A fresh service (another process start) derives the same policy from the log.
    const fresh = new PolicyService(store)
    await fresh.ready()
    fresh.stop()
    expect(fresh.current()).toEqual(service.current())

    const undone = await undoChange(deps, admin, 2, 'too broad', null)
    expect(undone).toMatchObject({ version: 3, action: 'undo', undoOf: 2 })
    expect(service.rulesMap().get('install:i1')?.controls).toEqual({ revoked: true })
    expect(service.rulesMap().has('install:i2')).toBe(false)

    const audit = await listAudit(store, { action: 'policy.' })
    expect(audit.map((a) => a.action)).toEqual(['policy.undo', 'policy.quota', 'policy.revoke'])
    expect(audit[2]).toMatchObject({ actor: 'rita', actorRole: 'responder', ipPrefix: '203.0.113.0/24' })
    expect(JSON.stringify(audit[2].after)).toContain('"revoked":true')
  })

  it('enforces role limits, bulk confirmation and a second approver for global changes', async () => {
    await expect(applyChangeRequest(deps, responder, revoke(['a', 'b', 'c', 'd', 'e', 'f']), null)).rejects.toMatchObject({ status: 403 })
    await expect(applyChangeRequest(deps, responder, revoke(['x'], { durationMinutes: null }), null)).rejects.toMatchObject({ status: 403 })
    await expect(applyChangeRequest(deps, admin, revoke(['a', 'b'], { confirmCount: 3 }), null)).rejects.toMatchObject({ status: 400 })
    // i1 was last written by a responder (temporary); a permanent admin rule cannot be rewritten by a responder.
    await applyChangeRequest(deps, admin, revoke(['perm'], { durationMinutes: null }), null)
    await expect(applyChangeRequest(deps, responder, { ...revoke(['perm']), action: 'clear' }, null)).rejects.toMatchObject({ status: 403 })

    const global: ChangeRequest = {
      scope: 'global',
      subjects: ['*'],
      action: 'quota',
      controls: { maxOutputTokens: 2000 },
      durationMinutes: null,
      reason: 'cap output everywhere',
    }
    await expect(applyChangeRequest(deps, responder, global, null)).rejects.toMatchObject({ status: 403 })
    const pending = await applyChangeRequest(deps, admin, global, null)
    if (pending.status !== 'pending') throw new Error('expected pending')
    expect(service.rulesMap().has('global:*')).toBe(false)
    await expect(decide(deps, admin, pending.proposal.id, true, null)).rejects.toMatchObject({ status: 403 })
    const approved = await decide(deps, admin2, pending.proposal.id, true, null)
    if (approved.status !== 'applied') throw new Error('expected applied')
    expect(approved.change).toMatchObject({ author: 'alice', approvedBy: 'bob' })
    expect(service.rulesMap().get('global:*')?.controls).toEqual({ maxOutputTokens: 2000 })
  })

  it('dry run shows installs, requests and spend per hour a change would hit', async () => {
    const r = await blastRadius(store, {
      scope: 'install',
      subjects: ['i1', 'i2'],
      action: 'quota',
      controls: { maxContextTokens: 8000 },
      durationMinutes: 60,
      reason: 'x',
    })
    expect(r).toMatchObject({
      subjects: 2,
      installsSeen: 2,
      installsHit: 1,
      requestsPerHour: 20,
      requestsHitPerHour: 15,
      spendPerHourMicros: 20_000,
      spendHitPerHourMicros: 15_000,
    })
    const all = await blastRadius(store, { scope: 'tenant', subjects: ['t1'], action: 'revoke', controls: {}, durationMinutes: 60, reason: 'x' })
    expect(all).toMatchObject({ installsHit: 2, requestsHitPerHour: 20 })
  })

  it('history shows time-to-enforce from acks and spend after the change', async () => {
    const first = (await changeHistory(store)).find((c) => c.version === 1)!
    expect(first.timeToEnforceMs).toBeNull()
    await recordAck(store, 'edge-1', 3, first.at + 120)
    const h = (await changeHistory(store)).find((c) => c.version === 1)!
    expect(h).toMatchObject({ timeToEnforceMs: 120, gatewaysAcked: 1, gatewaysKnown: 1 })
  })
})

describe('signed snapshot', () => {
  it('verifies with the published key, fails when tampered, honours ETag and since', async () => {
    const ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-keys-')), graceHours: 24 })
    const res = await snapshotResponse(store, service, ring, undefined, null)
    expect(res.status).toBe(200)
    const etag = res.headers.get('etag')!
    const body = (await res.json()) as { jws: string; version: number }
    const snap = await verifyPolicyJws<SnapshotPayload>(body.jws, ring.jwks())
    expect(snap).toMatchObject({ kind: 'snapshot', version: service.version })
    expect(snap.rules.map((r) => r.key)).toContain('install:i1')

    const [h, p, s] = body.jws.split('.')
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('"revoked":true', '"revoked":false')).toString('base64url')
    await expect(verifyPolicyJws(`${h}.${forged}.${s}`, ring.jwks())).rejects.toThrow()

    expect((await snapshotResponse(store, service, ring, undefined, etag)).status).toBe(304)
    const delta = await verifyPolicyJws<DeltaPayload>(
      ((await (await snapshotResponse(store, service, ring, 3, null)).json()) as { jws: string }).jws,
      ring.jwks(),
    )
    expect(delta.kind).toBe('delta')
    expect(delta.fromVersion).toBe(3)
    expect(delta.upserts.map((r) => r.key).sort()).toEqual(['global:*', 'install:perm'])

    // Rotation: the new key signs, the old one still verifies until the grace period ends.
    await ring.rotate()
    expect(ring.jwks().keys).toHaveLength(2)
    await expect(verifyPolicyJws(body.jws, ring.jwks())).resolves.toBeTruthy()
    expect((await snapshotResponse(store, service, ring, undefined, etag)).status).toBe(200)
    expect(ring.jwks(Date.now() + 25 * 3_600_000).keys).toHaveLength(1)
  })
})
