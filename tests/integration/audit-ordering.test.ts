import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audited, listAudit } from '../../lib/audit'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest, decide, undoChange } from '../../lib/policy/apply'
import { maxVersion } from '../../lib/policy/log-store'
import { listProposals } from '../../lib/policy/proposals'
import { PolicyService } from '../../lib/policy/service'
import type { ChangeRequest } from '../../lib/policy/types'
import { rows, testStore } from '../helpers/store'

// The audit store failing for real: the table is renamed away, so every insert into it errors.
let store: Awaited<ReturnType<typeof testStore>>
const auditDown = () => store.client.command({ query: `RENAME TABLE ${store.database}.audit_log TO ${store.database}.audit_log_off` })
const auditUp = () => store.client.command({ query: `RENAME TABLE ${store.database}.audit_log_off TO ${store.database}.audit_log` })
async function withAuditDown<T>(fn: () => Promise<T>): Promise<T> {
  await auditDown()
  try {
    return await fn()
  } finally {
    await auditUp()
  }
}

const alice: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const bob: Principal = { ...alice, userId: 'bob' }
const revoke = (subjects: string[]): ChangeRequest => ({
  scope: 'install',
  subjects,
  action: 'revoke',
  controls: {},
  durationMinutes: 60,
  reason: 'prompt bomber',
  confirmCount: subjects.length,
})
const global: ChangeRequest = {
  scope: 'global',
  subjects: ['*'],
  action: 'quota',
  controls: { maxOutputTokens: 2000 },
  durationMinutes: null,
  reason: 'cap output everywhere',
}

let service: PolicyService
const deps = (secondApprover: boolean) => ({ store, service, limits: { responderMaxInstalls: 5, responderMaxHours: 24, secondApprover } })

beforeAll(async () => {
  store = await testStore('audit_order')
  service = new PolicyService(store)
})
afterAll(async () => store?.drop())

describe('audited()', () => {
  it('does not run the mutation when the audit entry cannot be written', async () => {
    let ran = false
    await withAuditDown(() =>
      expect(
        audited(store, { actor: 'a', action: 'test.x', subject: 's' }, async () => {
          ran = true
        }),
      ).rejects.toThrow(),
    )
    expect(ran).toBe(false)
  })

  it('writes the entry before the mutation, and a .failed entry naming it when the mutation throws', async () => {
    const seen = await audited(store, { actor: 'a', action: 'test.ok', subject: 's1' }, async () => (await listAudit(store, { action: 'test.ok' })).length)
    expect(seen).toBe(1)
    await expect(
      audited(store, { actor: 'a', action: 'test.boom', subject: 's2' }, async () => {
        throw new Error('disk full')
      }),
    ).rejects.toThrow('disk full')
    const [failed, intent] = await listAudit(store, { action: 'test.boom' })
    expect(intent).toMatchObject({ action: 'test.boom', subject: 's2' })
    expect(failed).toMatchObject({ action: 'test.boom.failed', subject: 's2', after: { intent: intent.id, error: 'disk full' } })
  })
})

describe('policy writes with the audit store down', () => {
  it('a change is not appended, enforced or published, and the next version has no gap', async () => {
    const changes: number[] = []
    service.onChange((c) => changes.push(c.version))
    await withAuditDown(() => expect(applyChangeRequest(deps(false), alice, revoke(['i1']), '203.0.113.9')).rejects.toThrow())
    expect(await maxVersion(store)).toBe(0)
    expect(service.version).toBe(0)
    expect(service.rulesMap().has('install:i1')).toBe(false)
    expect(changes).toEqual([])

    // The retry a client makes after its 500 applies the change once.
    const ok = await applyChangeRequest(deps(false), alice, revoke(['i1']), '203.0.113.9')
    expect(ok.status === 'applied' && ok.change.version).toBe(1)
    expect(changes).toEqual([1])
    const [entry] = await listAudit(store, { action: 'policy.revoke' })
    expect(entry).toMatchObject({ actor: 'alice', subject: 'v1 install:i1', ipPrefix: '203.0.113.0/24' })
    expect(JSON.stringify(entry.after)).toContain('"revoked":true')
  })

  it('an undo is not appended', async () => {
    await withAuditDown(() => expect(undoChange(deps(false), alice, 1, 'wrong install', null)).rejects.toThrow())
    expect(await maxVersion(store)).toBe(1)
    expect(service.rulesMap().has('install:i1')).toBe(true)
  })

  it('a proposal is not created, rejected or approved', async () => {
    await withAuditDown(() => expect(applyChangeRequest(deps(true), alice, global, null)).rejects.toThrow())
    expect(await listProposals(store)).toEqual([])

    const pending = await applyChangeRequest(deps(true), alice, global, null)
    if (pending.status !== 'pending') throw new Error('expected pending')
    const id = pending.proposal.id
    await withAuditDown(() => expect(decide(deps(true), bob, id, false, null)).rejects.toThrow())
    await withAuditDown(() => expect(decide(deps(true), bob, id, true, null)).rejects.toThrow())
    expect((await listProposals(store, { id }))[0].status).toBe('pending')
    expect(await maxVersion(store)).toBe(1)

    const approved = await decide(deps(true), bob, id, true, null)
    expect(approved.status).toBe('applied')
    const entries = await listAudit(store, { action: 'policy.' })
    expect(entries.map((e) => e.action).sort()).toEqual(['policy.approve', 'policy.propose', 'policy.quota', 'policy.revoke'])
    const at = (action: string) => entries.find((e) => e.action === action)!.at
    expect(at('policy.approve')).toBeLessThanOrEqual(at('policy.quota'))
    // Nothing in the audit log but what was written while it was up.
    // count() is UInt64: quoted in JSON by the embedded store, a number from a 25.8+ server.
    const [{ n }] = await rows<{ n: string | number }>(store, `SELECT count() AS n FROM ${store.database}.audit_log WHERE action LIKE 'policy.%.failed'`)
    expect(Number(n)).toBe(0)
  })
})
