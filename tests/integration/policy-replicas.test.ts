import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest } from '../../lib/policy/apply'
import { attachEnforcer } from '../../lib/policy/in-process'
import { KeyRing, verifyPolicyJws } from '../../lib/policy/keys'
import { maxVersion } from '../../lib/policy/log-store'
import { PolicyService } from '../../lib/policy/service'
import { snapshotResponse, type DeltaPayload } from '../../lib/policy/snapshot'
import type { ChangeRequest } from '../../lib/policy/types'
import { testStore } from '../helpers/store'

// Two PolicyService instances on one database are two app replicas sharing ClickHouse.
const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const limits = { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false }
const revoke = (subject: string): ChangeRequest => ({
  scope: 'install',
  subjects: [subject],
  action: 'revoke',
  controls: {},
  durationMinutes: 60,
  reason: 'bomber',
})
const ask = (enforcer: ReturnType<typeof attachEnforcer>['enforcer'], installId: string) =>
  enforcer.admit({ tenantId: 't1', feature: 'chat', installId, contextTokens: 10, stream: false, nowMs: Date.now() })

let store: Awaited<ReturnType<typeof testStore>>
const services: PolicyService[] = []
const replica = (pollMs: number) => {
  const s = new PolicyService(store, { pollMs, log: () => {} })
  services.push(s)
  return s
}

beforeAll(async () => {
  store = await testStore('policy_replicas')
})
afterAll(async () => {
  for (const s of services) s.stop()
  await store?.drop()
})

describe('policy service across replicas', () => {
  it('a reader replica follows the writer: folds its versions and announces each one, in order', async () => {
    const writer = replica(0)
    const reader = replica(100)
    const deps = { store, service: writer, limits }
    await applyChangeRequest(deps, admin, revoke('a'), null)
    await reader.ready() // starts at v1
    const heard: number[] = []
    reader.onChange((c) => heard.push(c.version))
    const { enforcer, ready } = attachEnforcer(reader)
    await ready
    expect(ask(enforcer, 'b').allowed).toBe(true)

    await applyChangeRequest(deps, admin, revoke('b'), null)
    await applyChangeRequest(deps, admin, { ...revoke('a'), action: 'clear' }, null)
    await expect.poll(() => reader.version, { timeout: 10_000 }).toBe(3)
    expect(heard).toEqual([2, 3])
    expect(reader.current()).toEqual(writer.current())
    // What the replica's in-process enforcer (and its publisher) act on.
    expect(ask(enforcer, 'b')).toMatchObject({ allowed: false, version: 3 })
    expect(ask(enforcer, 'a').allowed).toBe(true)
  })

  it('a commit whose insert landed but reported a failure is announced, not folded in silently', async () => {
    const writer = replica(0) // no poll: the next commit is what must catch it
    await writer.ready()
    const base = writer.version
    const heard: number[] = []
    writer.onChange((c) => heard.push(c.version))
    const { enforcer, ready } = attachEnforcer(writer)
    await ready
    // The insert reaches ClickHouse, then the client gives up on the answer (a timeout).
    const client = store.client
    const insert = client.insert.bind(client)
    client.insert = (async (params: Parameters<typeof insert>[0]) => {
      const result = await insert(params)
      if (params.table.endsWith('.policy_changes')) throw new Error('Timeout error.')
      return result
    }) as typeof client.insert
    try {
      await expect(applyChangeRequest({ store, service: writer, limits }, admin, revoke('late'), null)).rejects.toThrow(/Timeout/)
    } finally {
      client.insert = insert as typeof client.insert
    }
    expect(await maxVersion(store)).toBe(base + 1)
    expect(heard).toEqual([])

    await applyChangeRequest({ store, service: writer, limits }, admin, revoke('next'), null)
    expect(heard).toEqual([base + 1, base + 2])
    expect(ask(enforcer, 'late')).toMatchObject({ allowed: false, ruleKind: 'revoked' })
  })

  it('the writer announces such a version within a poll, without waiting for another commit', async () => {
    const writer = replica(100)
    await writer.ready()
    const heard: number[] = []
    writer.onChange((c) => heard.push(c.version))
    // Written by someone else's insert (another replica, or our own timed-out one).
    const other = replica(0)
    await applyChangeRequest({ store, service: other, limits }, admin, revoke('elsewhere'), null)
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual([other.version])
    expect(writer.rulesMap().get('install:elsewhere')?.controls).toEqual({ revoked: true })
  })

  it('a replica asked for changes since a version it has not seen catches up before answering', async () => {
    const writer = replica(0)
    const reader = replica(0) // polling off: only the request can make it look
    await reader.ready()
    const before = reader.version
    await applyChangeRequest({ store, service: writer, limits }, admin, revoke('seen-by-gateway'), null)
    const ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-keys-')), graceHours: 1 })
    // The gateway got writer.version from another replica and now asks this one for what came after.
    const res = await snapshotResponse(store, reader, ring, writer.version, null)
    expect(res.headers.get('x-policy-version')).toBe(String(writer.version))
    const delta = await verifyPolicyJws<DeltaPayload>(((await res.json()) as { jws: string }).jws, ring.jwks())
    expect(delta).toMatchObject({ kind: 'delta', fromVersion: writer.version, version: writer.version })
    expect(reader.version).toBeGreaterThan(before)
  })
})
