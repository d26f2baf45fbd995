import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { recordAck } from '../../lib/policy/ack'
import { applyChangeRequest } from '../../lib/policy/apply'
import { changeHistory } from '../../lib/policy/history'
import { PolicyService } from '../../lib/policy/service'
import { enforcersSeen } from '../../lib/queries/enforcers'
import { testStore } from '../helpers/store'

// What /policies shows about enforcer replicas, from the policy_ack events they send (as gateway `enforcer-<replica>`).
const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
let store: Awaited<ReturnType<typeof testStore>>
let service: PolicyService

beforeAll(async () => {
  store = await testStore('enforcer_dashboard')
  service = new PolicyService(store)
  await service.ready()
})
afterAll(async () => {
  service?.stop()
  await store?.drop()
})

describe('enforcers on the Policies page', () => {
  it('lists each replica with the version it holds and when it was last seen; time to enforce waits for every enforcer', async () => {
    const deps = { store, service, limits: { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false } }
    const r = await applyChangeRequest(
      deps,
      admin,
      { scope: 'install', subjects: ['i-1'], action: 'revoke', controls: {}, durationMinutes: 60, reason: 'test' },
      null,
    )
    if (r.status !== 'applied') throw new Error('not applied')
    const at = r.change.at
    await recordAck(store, 'enforcer-a', 1, at + 40)
    await recordAck(store, 'enforcer-b', 0, at - 5_000) // b holds an older version
    await recordAck(store, 'edge-1', 1, at + 15) // a gateway, not an enforcer
    let [change] = await changeHistory(store)
    expect(change).toMatchObject({
      timeToEnforceMs: 15,
      gatewaysAcked: 2,
      gatewaysKnown: 3,
      enforcersAcked: 1,
      enforcersKnown: 2,
      timeToEnforceAtEnforcersMs: null,
    })
    await recordAck(store, 'enforcer-b', 1, at + 90)
    ;[change] = await changeHistory(store)
    expect(change).toMatchObject({ enforcersAcked: 2, timeToEnforceAtEnforcersMs: 90 })
    const seen = await enforcersSeen(store)
    expect(seen.map((e) => [e.replica, e.version, e.lastSeenMs])).toEqual([
      ['a', 1, at + 40],
      ['b', 1, at + 90],
    ])
  })
})
