import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs'
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
import { brokerListFromEnv } from '../helpers/kafka-broker'
import { testStore } from '../helpers/store'

const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const limits = { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false }
const topic = `policy-it-${Date.now().toString(36)}`

let store: Awaited<ReturnType<typeof testStore>>
let publisher: PolicyPublisher
const stops: (() => Promise<void>)[] = []

beforeAll(async () => {
  store = await testStore('policy_kafka')
})
afterAll(async () => {
  for (const s of stops) await s().catch(() => {})
  await publisher?.stop()
  await store?.drop()
})

describe('policy on the compacted topic', () => {
  it('a fresh consumer reconstructs the full policy, verifies it, and follows new changes', async () => {
    const service = new PolicyService(store)
    const deps = { store, service, limits }
    const ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-keys-')), graceHours: 24 })
    const brokers = brokerListFromEnv()
    // A change before the publisher starts: it must reach the topic through the initial republish.
    await applyChangeRequest(deps, admin, { scope: 'tenant', subjects: ['t1'], action: 'quota', controls: { tokensPerMinute: 9000 }, durationMinutes: null, reason: 'baseline' }, null)
    publisher = new PolicyPublisher({ brokers, topic, clientId: 'it' }, service, ring)
    await publisher.start()
    const farm = [...Array(30)].map((_, i) => `farm-${i}`)
    await applyChangeRequest(deps, admin, { scope: 'install', subjects: farm, action: 'revoke', controls: {}, durationMinutes: null, reason: 'emulator farm', confirmCount: 30 }, null)
    await applyChangeRequest(deps, admin, { scope: 'install', subjects: ['farm-0'], action: 'clear', controls: {}, durationMinutes: null, reason: 'false positive' }, null)
    await publisher.flush()
    expect(publisher.publishedVersion).toBe(3)

    const kafka = new Kafka({ clientId: 'it-admin', brokers, logLevel: logLevel.NOTHING })
    const admin_ = kafka.admin()
    await admin_.connect()
    const cfg = await admin_.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }] })
    await admin_.disconnect()
    expect(cfg.resources[0].configEntries[0].configValue).toBe('compact')

    const enforcer = new PolicyEnforcer()
    const follower = await followPolicyTopic({ brokers, topic, enforcer, jwks: async () => ring.jwks() })
    stops.push(follower.stop)
    await follower.caughtUp
    expect(follower.rejected).toBe(0)
    expect(enforcer.version).toBe(3)
    expect(enforcer.ruleCount()).toBe(30) // tenant quota + 29 revoked farm installs
    const ask = (installId: string) => enforcer.admit({ tenantId: 't1', feature: 'chat', installId, contextTokens: 10, stream: false, nowMs: Date.now() })
    expect(ask('farm-7')).toMatchObject({ allowed: false, ruleKind: 'revoked' })
    expect(ask('farm-0').allowed).toBe(true)

    // Following: a new change arrives without a restart.
    const applied = new Promise<number>((r) => enforcer.onApplied(r))
    await applyChangeRequest(deps, admin, { scope: 'install', subjects: ['farm-0'], action: 'revoke', controls: {}, durationMinutes: 30, reason: 'back again' }, null)
    expect(await applied).toBe(4)
    expect(ask('farm-0')).toMatchObject({ allowed: false })

    // A record signed by someone else is dropped, not applied.
    const producer = kafka.producer()
    await producer.connect()
    const rogue = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-rogue-')), graceHours: 1 })
    const forged = await rogue.sign({ kind: 'rule', key: 'install:farm-7', version: 99, issuedAt: Date.now(), rule: null })
    await producer.send({ topic, messages: [{ key: 'install:farm-7', value: forged }] })
    await producer.disconnect()
    await expect.poll(() => follower.rejected, { timeout: 10_000 }).toBe(1)
    expect(ask('farm-7')).toMatchObject({ allowed: false })
  })
})
