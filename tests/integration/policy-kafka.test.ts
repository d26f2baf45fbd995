import { Kafka, logLevel, ConfigResourceTypes, type IHeaders } from 'kafkajs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../lib/auth/roles'
import { applyChangeRequest } from '../../lib/policy/apply'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import { followPolicyTopic, type Follower } from '../../lib/policy/follower'
import { KeyRing } from '../../lib/policy/keys'
import { PolicyPublisher } from '../../lib/policy/publisher'
import { PolicyService } from '../../lib/policy/service'
import { brokerListFromEnv } from '../../harness/kafka-broker'
import { readWholeTopic } from '../../harness/kafka-io'
import { testStore } from '../helpers/store'

const admin: Principal = { userId: 'alice', displayName: 'Alice', role: 'admin', provider: 'local' }
const limits = { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false }
const topic = `policy-it-${Date.now().toString(36)}`

let store: Awaited<ReturnType<typeof testStore>>
let service: PolicyService
let publisher: PolicyPublisher
let enforcer: PolicyEnforcer
let follower: Follower
let publisherRing: KeyRing
const stops: (() => Promise<void>)[] = []
const ask = (installId: string) => enforcer.admit({ tenantId: 't1', feature: 'chat', installId, contextTokens: 10, stream: false, nowMs: Date.now() })

/** Every record on the topic so far, as a gateway's consumer sees it. */
async function readTopic(kafka: Kafka): Promise<{ key: string; value: Buffer; headers: IHeaders }[]> {
  return (await readWholeTopic(kafka, topic))
    .filter((m) => m.key && m.value)
    .map((m) => ({ key: m.key!.toString(), value: m.value!, headers: m.headers ?? {} }))
}

beforeAll(async () => {
  store = await testStore('policy_kafka')
})
afterAll(async () => {
  for (const s of stops) await s().catch(() => {})
  await publisher?.stop()
  service?.stop()
  await store?.drop()
})

describe('policy on the compacted topic', () => {
  it('a fresh consumer reconstructs the full policy, verifies it, and follows new changes', async () => {
    service = new PolicyService(store)
    const deps = { store, service, limits }
    const ring = (publisherRing = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-keys-')), graceHours: 24 }))
    const brokers = brokerListFromEnv()
    // A change before the publisher starts: it must reach the topic through the initial republish.
    await applyChangeRequest(
      deps,
      admin,
      { scope: 'tenant', subjects: ['t1'], action: 'quota', controls: { tokensPerMinute: 9000 }, durationMinutes: null, reason: 'baseline' },
      null,
    )
    publisher = new PolicyPublisher({ brokers, topic, clientId: 'it' }, service, ring)
    await publisher.start()
    const farm = [...Array(30)].map((_, i) => `farm-${i}`)
    await applyChangeRequest(
      deps,
      admin,
      { scope: 'install', subjects: farm, action: 'revoke', controls: {}, durationMinutes: null, reason: 'emulator farm', confirmCount: 30 },
      null,
    )
    await applyChangeRequest(
      deps,
      admin,
      { scope: 'install', subjects: ['farm-0'], action: 'clear', controls: {}, durationMinutes: null, reason: 'false positive' },
      null,
    )
    await publisher.flush()
    expect(publisher.publishedVersion).toBe(3)

    const kafka = new Kafka({ clientId: 'it-admin', brokers, logLevel: logLevel.NOTHING })
    const admin_ = kafka.admin()
    await admin_.connect()
    const cfg = await admin_.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    })
    await admin_.disconnect()
    expect(cfg.resources[0].configEntries[0].configValue).toBe('compact')

    enforcer = new PolicyEnforcer()
    follower = await followPolicyTopic({ brokers, topic, enforcer, jwks: async () => ring.jwks() })
    stops.push(follower.stop)
    await follower.caughtUp
    expect(follower.rejected).toBe(0)
    expect(enforcer.version).toBe(3)
    expect(enforcer.ruleCount()).toBe(30) // tenant quota + 29 revoked farm installs
    expect(ask('farm-7')).toMatchObject({ allowed: false, ruleKind: 'revoked' })
    expect(ask('farm-0').allowed).toBe(true)

    // Following: a new change arrives without a restart.
    const applied = new Promise<number>((r) => enforcer.onApplied(r))
    await applyChangeRequest(
      deps,
      admin,
      { scope: 'install', subjects: ['farm-0'], action: 'revoke', controls: {}, durationMinutes: 30, reason: 'back again' },
      null,
    )
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

  it('a replayed record, validly signed but older than what the gateway holds, does not lift a revocation', async () => {
    // farm-0: revoked at v2, cleared at v3, revoked again at v4. The v3 record is a real, signed removal.
    expect(ask('farm-0')).toMatchObject({ allowed: false, ruleKind: 'revoked', version: 4 })
    const kafka = new Kafka({ clientId: 'it-replay', brokers: brokerListFromEnv(), logLevel: logLevel.NOTHING })
    const cleared = (await readTopic(kafka)).find((r) => r.key === 'install:farm-0' && String(r.headers['policy-version']) === '3')
    if (!cleared) throw new Error('no v3 record for install:farm-0 on the topic')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ key: cleared.key, value: cleared.value }] })
    await producer.disconnect()

    // Either outcome ends the wait: the record ignored as stale, or the revocation lifted by it.
    await expect.poll(() => (follower.stale ?? 0) > 0 || ask('farm-0').allowed, { timeout: 10_000 }).toBe(true)
    expect(ask('farm-0')).toMatchObject({ allowed: false, ruleKind: 'revoked' })
    expect(follower.stale).toBe(1)
    expect(follower.rejected).toBe(1) // only the forged one of the first test

    // A gateway starting now reads the whole topic, replay included, and ends where the log is.
    const fresh = new PolicyEnforcer()
    const second = await followPolicyTopic({ brokers: brokerListFromEnv(), topic, enforcer: fresh, jwks: async () => publisherRing.jwks(), log: () => {} })
    stops.push(second.stop)
    await second.caughtUp
    expect(fresh.admit({ tenantId: 't1', feature: 'chat', installId: 'farm-0', contextTokens: 10, stream: false, nowMs: Date.now() })).toMatchObject({
      allowed: false,
      ruleKind: 'revoked',
    })
    expect(second.stale).toBe(1)
  })
})
