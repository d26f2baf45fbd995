import { Kafka, logLevel, type Consumer } from 'kafkajs'
// Policy records may come from any producer: every Kafka codec must be readable.
import '../ingest/kafka-codecs'
import { randomUUID } from 'node:crypto'
import type { JWK } from 'jose'
import type { PolicyEnforcer } from './enforcer'
import { verifyPolicyJws } from './keys'
import type { RuleRecordPayload } from './snapshot'

export interface FollowOptions {
  brokers: string[]
  topic: string
  /** Published key set; called again when a record names an unknown key (rotation). */
  jwks: () => Promise<{ keys: JWK[] }>
  enforcer: PolicyEnforcer
  clientId?: string
  log?: (line: string) => void
}

export interface Follower {
  /** Resolves once everything on the topic when we started has been applied. */
  caughtUp: Promise<void>
  /** Records dropped because they failed verification. */
  rejected: number
  /** Verified records ignored because they are older than what the enforcer holds for their key (a replay). */
  stale: number
  /** Records on the topic not applied yet (high watermark minus the next offset to read, over all partitions). */
  lag: () => Promise<number>
  stop: () => Promise<void>
}

/**
 * The gateway side of the compacted topic: read it from the beginning with a
 * fresh consumer group (every gateway needs every record), verify each record's
 * signature, apply it. Records that fail verification are dropped and counted.
 * A valid signature is not enough: a signed record stays valid forever, so
 * anyone able to write to the topic could replay an old one. The enforcer
 * keeps the version it holds per key and ignores older records; they are
 * counted as stale.
 */
export async function followPolicyTopic(opts: FollowOptions): Promise<Follower> {
  const kafka = new Kafka({ clientId: opts.clientId ?? 'burnrate-gateway', brokers: opts.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  // The topic may not exist yet (the app creates it when it first publishes): callers retry, so never leak the client.
  const offsets = await admin.fetchTopicOffsets(opts.topic).finally(() => admin.disconnect())
  const targets = new Map(offsets.map((o) => [o.partition, Number(o.high)]))
  let keys = await opts.jwks()
  const state: Follower = { caughtUp: Promise.resolve(), rejected: 0, stale: 0, lag: async () => 0, stop: async () => {} }
  const positions = new Map<number, number>()
  let markCaughtUp!: () => void
  state.caughtUp = new Promise((r) => (markCaughtUp = r))
  const checkCaughtUp = () => {
    if ([...targets.values()].every((t) => t <= 0)) markCaughtUp()
  }
  checkCaughtUp()
  const consumer: Consumer = kafka.consumer({ groupId: `burnrate-gateway-${randomUUID()}`, maxWaitTimeInMs: 100, minBytes: 1 })
  await consumer.connect()
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (message.value && message.key) {
        let payload: RuleRecordPayload | null = null
        try {
          payload = await verifyPolicyJws<RuleRecordPayload>(message.value.toString(), keys)
        } catch {
          keys = await opts.jwks().catch(() => keys) // maybe a key we have not seen yet: refetch once
          payload = await verifyPolicyJws<RuleRecordPayload>(message.value.toString(), keys).catch(() => null)
        }
        const key = message.key.toString()
        if (
          payload &&
          payload.kind === 'rule' &&
          payload.key === key &&
          Number.isSafeInteger(payload.version) &&
          (payload.rule === null || payload.rule.key === key)
        ) {
          if (!opts.enforcer.applyRule(payload.key, payload.rule, payload.version)) {
            state.stale++
            ;(opts.log ?? console.warn)(`[policy:follow] ignored a record older than the policy held (key ${key}, version ${payload.version})`)
          }
        } else {
          state.rejected++
          ;(opts.log ?? console.warn)(`[policy:follow] dropped a record that failed verification (key ${key})`)
        }
      }
      positions.set(partition, Number(message.offset) + 1)
      const t = targets.get(partition) ?? 0
      if (Number(message.offset) + 1 >= t) targets.set(partition, 0)
      checkCaughtUp()
    },
  })
  let lagAdmin: ReturnType<typeof kafka.admin> | null = null
  state.lag = async () => {
    if (!lagAdmin) {
      lagAdmin = kafka.admin()
      await lagAdmin.connect()
    }
    const high = await lagAdmin.fetchTopicOffsets(opts.topic)
    return high.reduce((sum, o) => sum + Math.max(0, Number(o.high) - (positions.get(o.partition) ?? Number(o.low))), 0)
  }
  state.stop = async () => {
    await consumer.disconnect()
    await lagAdmin?.disconnect().catch(() => {})
  }
  return state
}
