import { Kafka, logLevel, type Producer } from 'kafkajs'
import '../ingest/kafka-codecs'
import type { KeyRing } from './keys'
import type { PolicyService } from './service'
import type { RuleRecordPayload } from './snapshot'
import type { PolicyChange, Rule } from './types'

export interface PublisherOptions {
  brokers: string[]
  topic: string
  clientId: string
  log?: (line: string) => void
}

/**
 * Publishes every rule write to a compacted topic keyed by scope:subject, so a
 * gateway that starts reads the topic from the beginning and holds the full
 * policy, then follows changes. One partition keeps all keys in version order.
 * Idempotent producer with acks=all: a retried send is not duplicated and an
 * acknowledged one is on every in-sync replica. Removed rules are written as
 * signed `rule: null` records, not tombstones, because a tombstone cannot be
 * signed and a forged one would lift a revocation.
 * If Kafka is down the log in ClickHouse stays the truth: the publisher marks
 * itself behind and republishes the whole current policy once Kafka is back,
 * including a signed null for every key the log ever wrote that has no rule
 * now — a rule cleared during the outage must reach gateways as a removal.
 * Every send, republishes included, goes through one queue, so records for a
 * key reach the topic in version order.
 */
export class PolicyPublisher {
  private readonly kafka: Kafka
  private producer: Producer | null = null
  private unsubscribe: (() => void) | null = null
  private behind = false
  /** A full republish waiting in the queue: asking again while it waits adds nothing. */
  private republishQueued: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()
  /** Highest version acknowledged by Kafka. */
  publishedVersion = 0

  constructor(
    private readonly opts: PublisherOptions,
    private readonly service: PolicyService,
    private readonly ring: KeyRing,
  ) {
    this.kafka = new Kafka({
      clientId: `${opts.clientId}-policy`,
      brokers: opts.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200 },
    })
  }

  private log(line: string) {
    ;(this.opts.log ?? console.log)(`[policy:kafka] ${line}`)
  }

  async start(): Promise<void> {
    await ensurePolicyTopic(this.kafka, this.opts.topic)
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    await this.producer.connect()
    await this.service.ready()
    this.unsubscribe = this.service.onChange((change) => this.enqueue(() => this.publishChange(change)))
    void this.republish()
    this.timer = setInterval(() => {
      if (this.behind) void this.republish()
    }, 2_000)
  }

  /** Sends in commit order, one at a time. A failed job marks us behind: the timer then republishes everything. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(job).catch((err: Error) => {
      this.behind = true
      this.log(`publish failed, will republish the full policy: ${err.message}`)
    })
    return this.chain
  }

  /**
   * Queues a republish of the whole policy signed with the active key (start,
   * recovery, key rotation). Resolves when it has run, sent or not; a failure
   * leaves the publisher behind, and it retries until Kafka takes it.
   */
  republish(): Promise<void> {
    this.republishQueued ??= this.enqueue(() => {
      this.republishQueued = null
      return this.republishAll()
    })
    return this.republishQueued
  }

  /** Resolves when everything enqueued so far is sent (or has failed). */
  flush(): Promise<void> {
    return this.chain
  }

  private async record(key: string, rule: Rule | null, version: number) {
    const payload: RuleRecordPayload = { kind: 'rule', key, version, issuedAt: Date.now(), rule }
    return { key, value: await this.ring.sign(payload), headers: { 'policy-version': String(version) } }
  }

  private async send(messages: { key: string; value: string; headers: Record<string, string> }[], version: number) {
    if (!this.producer) throw new Error('publisher not started')
    for (let i = 0; i < messages.length; i += 500) {
      await this.producer.send({ topic: this.opts.topic, acks: -1, messages: messages.slice(i, i + 500) })
    }
    this.publishedVersion = Math.max(this.publishedVersion, version)
  }

  private async publishChange(change: PolicyChange) {
    if (this.behind) return this.republishAll()
    await this.send(await Promise.all(change.rules.map((r) => this.record(r.key, r.after, change.version))), change.version)
  }

  /** Only from a queued job. Every key as of one version: its rule, or a signed null if it has none now. */
  private async republishAll(): Promise<void> {
    // A replica's view may trail the log by a poll: catch up first, or keep what we hold if the store is down.
    await this.service.sync().catch(() => {})
    const { version, rules } = this.service.current()
    const removed = this.service.removedKeys()
    const records = await Promise.all([...rules.map((r) => this.record(r.key, r, version)), ...removed.map((k) => this.record(k, null, version))])
    await this.send(records, version)
    this.behind = false
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.unsubscribe?.()
    await this.chain.catch(() => {})
    await this.producer?.disconnect().catch(() => {})
  }
}

/** Creates the compacted topic if missing (single partition; replication up to 3 when the cluster has the brokers). */
export async function ensurePolicyTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = await admin.listTopics()
    if (existing.includes(topic)) return
    const { brokers } = await admin.describeCluster()
    const replicationFactor = Math.min(3, brokers.length)
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'min.insync.replicas', value: String(Math.max(1, replicationFactor - 1)) },
            { name: 'min.compaction.lag.ms', value: '60000' },
          ],
        },
      ],
    })
  } finally {
    await admin.disconnect()
  }
}
