import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest } from '../../lib/policy/apply'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import { followPolicyTopic } from '../../lib/policy/follower'
import { KeyRing } from '../../lib/policy/keys'
import { PolicyPublisher } from '../../lib/policy/publisher'
import { PolicyService } from '../../lib/policy/service'
import type { ChangeRequest } from '../../lib/policy/types'
import { startBroker, stopBroker } from '../../harness/kafka-broker'
import { testStore } from '../helpers/store'

// Its own broker run: this file stops it, which would break the other files on the shared one.
const BROKER = `policy-outage-${process.pid}`
const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const limits = { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false }
const topic = `policy-outage-${Date.now().toString(36)}`
const change = (scope: 'tenant' | 'install', subject: string, action: ChangeRequest['action'], controls: ChangeRequest['controls'] = {}): ChangeRequest => ({
  scope,
  subjects: [subject],
  action,
  controls,
  durationMinutes: null,
  reason: 'outage test',
})

let store: Awaited<ReturnType<typeof testStore>>
let brokers: string[]
let service: PolicyService
let publisher: PolicyPublisher | null = null
const stops: (() => Promise<void>)[] = []

beforeAll(async () => {
  store = await testStore('policy_outage')
  brokers = (await startBroker(BROKER)).brokers.split(',')
}, 240_000)
afterAll(async () => {
  for (const s of stops) await s().catch(() => {})
  await publisher?.stop().catch(() => {})
  await stopBroker(BROKER).catch(() => {})
  service?.stop()
  await store?.drop()
}, 90_000)

describe('policy publisher across a Kafka outage', () => {
  it('rules removed while Kafka was down reach gateways as signed removals once it is back', async () => {
    service = new PolicyService(store, { log: () => {} })
    const deps = { store, service, limits }
    const ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-keys-')), graceHours: 24 })
    const pub = (publisher = new PolicyPublisher({ brokers, topic, clientId: 'it-outage', log: () => {} }, service, ring))
    await pub.start()
    await applyChangeRequest(deps, admin, change('tenant', 't1', 'quota', { tokensPerMinute: 100 }), null)
    await applyChangeRequest(deps, admin, change('install', 'x', 'revoke'), null)
    await applyChangeRequest(deps, admin, change('install', 'y', 'quota', { tokensPerMinute: 1_000_000 }), null)
    await pub.flush()
    expect(pub.publishedVersion).toBe(3)

    await stopBroker(BROKER)
    // The revocation and the generous exception are both lifted while nothing can be published.
    await applyChangeRequest(deps, admin, change('install', 'x', 'clear'), null)
    await applyChangeRequest(deps, admin, change('install', 'y', 'clear'), null)
    await pub.flush() // both sends have failed: the publisher is behind
    expect(pub.publishedVersion).toBe(3)
    await startBroker(BROKER, { keepData: true })
    await expect.poll(() => pub.publishedVersion, { timeout: 60_000, interval: 250 }).toBe(5)

    // A gateway starting now: the topic alone must say that x and y have no rule any more.
    const enforcer = new PolicyEnforcer()
    const follower = await followPolicyTopic({ brokers, topic, enforcer, jwks: async () => ring.jwks(), log: () => {} })
    stops.push(follower.stop)
    await follower.caughtUp
    const ask = (installId: string, contextTokens: number) =>
      enforcer.admit({ tenantId: 't1', feature: 'chat', installId, contextTokens, stream: false, nowMs: Date.now() })
    expect(ask('x', 10).allowed).toBe(true)
    expect(ask('y', 500)).toMatchObject({ allowed: false, ruleKind: 'tokens_per_minute', ruleId: 'tenant:t1' })
    expect(enforcer.ruleCount()).toBe(1)
    expect(follower.rejected).toBe(0)
  }, 240_000)
})
