import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listAudit } from '../../lib/audit'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest, undoChange } from '../../lib/policy/apply'
import { maxVersion } from '../../lib/policy/log-store'
import { PolicyService } from '../../lib/policy/service'
import type { ChangeRequest } from '../../lib/policy/types'
import { testStore } from '../helpers/store'

// The operator-facing path (apply.ts → log → audit) for the three plan/permission fixes:
// refusals carry the HTTP status route() answers with, and append nothing.
const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const responder: Principal = { userId: 'rita', displayName: 'Rita', role: 'responder', provider: 'local' }
const limits = { responderMaxInstalls: 5, responderMaxHours: 24, secondApprover: false }
const change = (extra: Partial<ChangeRequest>): ChangeRequest => ({
  scope: 'install',
  subjects: ['i1'],
  action: 'quota',
  controls: {},
  durationMinutes: 60,
  reason: 'incident',
  ...extra,
})

let store: Awaited<ReturnType<typeof testStore>>
let service: PolicyService
let deps: { store: typeof store; service: PolicyService; limits: typeof limits }
const refusedWith = async (attempt: () => Promise<unknown>, status: number, message: RegExp) => {
  const versions = await maxVersion(store)
  const entries = (await listAudit(store, { action: 'policy.' })).length
  await expect(attempt()).rejects.toMatchObject({ status, message: expect.stringMatching(message) })
  expect(await maxVersion(store)).toBe(versions)
  expect((await listAudit(store, { action: 'policy.' })).length).toBe(entries)
}

beforeAll(async () => {
  store = await testStore('policy_plan')
  service = new PolicyService(store)
  deps = { store, service, limits }
})
afterAll(async () => store?.drop())

describe('policy plan and permissions through apply', () => {
  it("a responder cannot block a whole tenant with a zero quota; an admin can; installs stay the responder's", async () => {
    await refusedWith(
      () => applyChangeRequest(deps, responder, change({ scope: 'tenant', subjects: ['t1'], controls: { tokensPerMinute: 0 } }), null),
      403,
      /tokensPerMinute 0 < 1000.*admin/,
    )
    await refusedWith(
      () =>
        applyChangeRequest(
          deps,
          responder,
          change({
            scope: 'feature',
            subjects: ['t1/chat'],
            action: 'degrade',
            controls: { degrade: { maxContextTokens: 0, maxOutputTokens: 0, riskyOnly: false } },
          }),
          null,
        ),
      403,
      /degrade.maxContextTokens/,
    )
    const throttle = await applyChangeRequest(deps, responder, change({ scope: 'tenant', subjects: ['t1'], controls: { tokensPerMinute: 2000 } }), null)
    expect(throttle.status).toBe('applied')
    const block = await applyChangeRequest(deps, admin, change({ scope: 'tenant', subjects: ['t1'], controls: { tokensPerMinute: 0 } }), null)
    expect(block.status).toBe('applied')
    // The admin's block is now the rule: a responder may not lift or extend it either.
    await refusedWith(
      () => applyChangeRequest(deps, responder, change({ scope: 'tenant', subjects: ['t1'], controls: { tokensPerMinute: 5000 } }), null),
      403,
      /tenant:t1 revokes or blocks/,
    )
    expect((await applyChangeRequest(deps, responder, change({ subjects: ['i9'], controls: { tokensPerMinute: 0 } }), null)).status).toBe('applied')
  })

  it('a shorter change cannot end a revocation early (409), and the revocation is kept', async () => {
    const revoked = await applyChangeRequest(deps, responder, change({ subjects: ['i1'], action: 'revoke', durationMinutes: 24 * 60 }), null)
    if (revoked.status !== 'applied') throw new Error('expected applied')
    const until = service.rulesMap().get('install:i1')?.until
    await refusedWith(
      () => applyChangeRequest(deps, admin, change({ subjects: ['i1'], controls: { tokensPerMinute: 5000 }, durationMinutes: 5 }), null),
      409,
      /install:i1 keeps revoked.*at least 14(39|40) minutes/s,
    )
    expect(service.rulesMap().get('install:i1')).toMatchObject({ controls: { revoked: true }, until })
  })

  it('a temporary revocation cannot take a permanent throttle with it (409); revoke permanently, then undo', async () => {
    await applyChangeRequest(deps, admin, change({ subjects: ['i2'], controls: { maxConcurrentStreams: 2 }, durationMinutes: null }), null)
    await refusedWith(
      () => applyChangeRequest(deps, admin, change({ subjects: ['i2'], action: 'revoke', durationMinutes: 60 }), null),
      409,
      /maxConcurrentStreams, which is permanent/,
    )
    const revoke = await applyChangeRequest(deps, admin, change({ subjects: ['i2'], action: 'revoke', durationMinutes: null }), null)
    if (revoke.status !== 'applied') throw new Error('expected applied')
    await undoChange(deps, admin, revoke.change.version, 'lifted', null)
    expect(service.rulesMap().get('install:i2')).toMatchObject({ controls: { maxConcurrentStreams: 2 }, until: null })
  })

  it('undo refuses (409) to discard a later change, for admins too, and works newest first', async () => {
    const v1 = await applyChangeRequest(deps, responder, change({ subjects: ['i3', 'i4'], action: 'revoke', confirmCount: 2 }), null)
    const v2 = await applyChangeRequest(deps, admin, change({ subjects: ['i3'], controls: { tokensPerMinute: 5000 }, durationMinutes: null }), null)
    if (v1.status !== 'applied' || v2.status !== 'applied') throw new Error('expected applied')
    await refusedWith(
      () => undoChange(deps, admin, v1.change.version, 'wrong installs', null),
      409,
      new RegExp(`install:i3 was changed after this version \\(by v${v2.change.version}\\)`),
    )
    expect(service.rulesMap().get('install:i3')?.controls).toEqual({ revoked: true, tokensPerMinute: 5000 })

    await undoChange(deps, admin, v2.change.version, 'quota was a mistake', null)
    const undone = await undoChange(deps, responder, v1.change.version, 'wrong installs', null)
    expect(undone.rules.map((r) => [r.key, r.after])).toEqual([
      ['install:i3', null],
      ['install:i4', null],
    ])
    // Nothing left to restore: the service's own 409.
    await refusedWith(() => undoChange(deps, admin, v1.change.version, 'again', null), 409, /would not modify any rule/)
  })
})
