import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest } from '../../lib/policy/apply'
import { resolveControls } from '../../lib/policy/resolve'
import { PolicyService } from '../../lib/policy/service'
import type { ChangeRequest } from '../../lib/policy/types'
import { testStore } from '../helpers/store'

// Issue 18, F3: a responder's narrower rule must not lift an admin's broader cap.
let store: Awaited<ReturnType<typeof testStore>>
let service: PolicyService
const deps = () => ({ store, service, limits: { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false } })
const admin: Principal = { userId: 'ada', displayName: 'Ada', role: 'admin', provider: 'local' }
const responder: Principal = { userId: 'rob', displayName: 'Rob', role: 'responder', provider: 'local' }
const quota = (scope: ChangeRequest['scope'], subject: string, controls: ChangeRequest['controls'], durationMinutes: number | null = 60): ChangeRequest => ({
  scope,
  subjects: [subject],
  action: 'quota',
  controls,
  durationMinutes,
  reason: 'test change',
})

beforeAll(async () => {
  store = await testStore('policy_broader')
  service = new PolicyService(store)
  await applyChangeRequest(deps(), admin, quota('tenant', 'acme', { tokensPerMinute: 10_000, maxOutputTokens: 500 }, null), null)
})
afterAll(async () => store?.drop())

const effective = (feature: string, installId: string) => resolveControls(service.rulesMap(), { tenantId: 'acme', feature, installId }, Date.now()).controls

describe('responder rules under an admin cap', () => {
  it('a feature rule looser than the tenant cap is refused and changes nothing', async () => {
    await expect(applyChangeRequest(deps(), responder, quota('feature', 'acme/chat', { tokensPerMinute: 1_000_000_000 }), null)).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/tokensPerMinute 1000000000 > 10000 of tenant:acme/),
    })
    expect(effective('chat', 'i-1').tokensPerMinute).toBe(10_000)
  })

  it('an install rule looser than the cap is refused too', async () => {
    await expect(applyChangeRequest(deps(), responder, quota('install', 'i-2', { maxOutputTokens: 100_000 }), null)).rejects.toMatchObject({ status: 403 })
    expect(effective('chat', 'i-2').maxOutputTokens).toBe(500)
  })

  it('tightening under the cap is allowed, and an admin may still lift', async () => {
    const tight = await applyChangeRequest(deps(), responder, quota('feature', 'acme/chat', { tokensPerMinute: 2_000 }), null)
    expect(tight.status).toBe('applied')
    expect(effective('chat', 'i-1').tokensPerMinute).toBe(2_000)
    // Tightening another control of the same rule later does not count the kept one against the responder.
    await applyChangeRequest(deps(), responder, quota('feature', 'acme/chat', { maxOutputTokens: 400 }), null)
    const lifted = await applyChangeRequest(deps(), admin, quota('feature', 'acme/search', { tokensPerMinute: 50_000 }), null)
    expect(lifted.status).toBe('applied')
    expect(effective('search', 'i-3').tokensPerMinute).toBe(50_000)
  })
})
