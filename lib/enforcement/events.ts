import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import '../ingest/kafka-codecs'
import { gatewayEventSchema, SCHEMA_VERSION, type GatewayEvent } from '../events/schema'
import { fastParseEvent } from '../events/fast-parse'
import type { PriceBook } from '../pricing/cost'
import type { RuleKind } from '../policy/types'
import type { DecisionInput } from './headers'
import type { QuotaStore, SettleResult } from './quota'

export interface EventLinkOptions {
  brokers: string[]
  /** The gateway events topic (KAFKA_TOPIC), the one ingest reads. */
  topic: string
  /** Consumer group shared by the enforcer replicas: each event settles once, in the shared store. */
  groupId: string
  clientId: string
  /** gateway_id of this replica's policy_ack events. */
  gatewayId: string
  quotas: QuotaStore
  prices: PriceBook
  /** A stream_progress report extends the stream's lease by this much. */
  streamLeaseMs: number
  log: (line: string) => void
}

/** The version held is re-acked this often (service.ts): the replica's heartbeat on the Policies page. */
export const ACK_HEARTBEAT_MS = 30_000

export interface SettleStats {
  settled: number
  late: number
  duplicate: number
  renewed: number
  ignored: number
}

/**
 * The enforcer's two links to the events topic. It consumes the gateway's own
 * events in its own consumer group: an llm_request whose event_id, or a
 * stream whose stream_id, is the request id the enforcer admitted settles that
 * reservation to what the call used; a stream_progress report renews the
 * stream's lease. It produces policy_ack events, so /policies shows when each
 * enforcer replica held a version, on the same path as gateway acks.
 */
export class EventLink {
  readonly stats: SettleStats = { settled: 0, late: 0, duplicate: 0, renewed: 0, ignored: 0 }
  private consumer: Consumer | null = null
  private producer: Producer | null = null
  private ackSeq = 0
  private denials: { key: string; value: string }[] = []
  private flushTimer: NodeJS.Timeout | null = null

  constructor(private readonly o: EventLinkOptions) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: this.o.clientId, brokers: this.o.brokers, logLevel: logLevel.NOTHING })
    this.producer = kafka.producer({ allowAutoTopicCreation: false })
    await this.producer.connect()
    const consumer = kafka.consumer({ groupId: this.o.groupId, maxWaitTimeInMs: 100, minBytes: 1 })
    this.consumer = consumer
    await consumer.connect()
    // A new group starts at the end: reservations older than the enforcer are not its to settle.
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: false })
    await consumer.run({
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) {
          if (m.value) await this.handle(m.value).catch((err) => this.o.log(`[enforcer] settling failed: ${(err as Error).message}`))
          resolveOffset(m.offset)
        }
        await heartbeat()
      },
    })
  }

  private parse(value: Buffer): GatewayEvent | null {
    let raw: unknown
    try {
      raw = JSON.parse(value.toString())
    } catch {
      return null
    }
    const fast = fastParseEvent(raw)
    if (fast) return fast
    const r = gatewayEventSchema.safeParse(raw)
    return r.success ? r.data : null
  }

  private count(r: SettleResult) {
    this.stats[r]++
  }

  async handle(value: Buffer): Promise<void> {
    const e = this.parse(value)
    if (!e) return void this.stats.ignored++
    if (e.type === 'llm_request' || e.type === 'stream') {
      const leaseId = e.type === 'stream' ? e.stream_id : e.event_id
      const micros = e.cost_micros ?? this.o.prices.costMicros(e.model, e.ts, e.prompt_tokens, e.completion_tokens) ?? 0
      this.count(await this.o.quotas.settle(e.install_id, leaseId, { tokens: e.prompt_tokens + e.completion_tokens, micros }))
    } else if (e.type === 'stream_progress') {
      if (await this.o.quotas.renew(e.install_id, e.stream_id, this.o.streamLeaseMs)) this.stats.renewed++
    }
  }

  /**
   * A refusal as a policy_denial event (docs/events.md), when the gateway said which app build called:
   * the Policies page counts them as the change's denials. Sent in batches every 100 ms.
   */
  denied(input: DecisionInput, rule: { rule_kind: RuleKind; rule_id: string | null; policy_version: number }) {
    if (!this.producer || !input.app || !rule.rule_id) return
    const event = {
      schema_version: SCHEMA_VERSION,
      type: 'policy_denial',
      event_id: `deny-${input.requestId}`.slice(0, 64),
      ts: Date.now(),
      tenant_id: input.tenantId,
      install_id: input.installId,
      app_id: input.app.appId,
      app_version: input.app.appVersion,
      platform: input.app.platform,
      feature: input.feature,
      model: input.model,
      policy_version: rule.policy_version,
      rule_id: rule.rule_id,
      rule_kind: rule.rule_kind,
    }
    if (this.denials.length < 10_000) this.denials.push({ key: input.installId, value: JSON.stringify(event) })
    this.flushTimer ??= setTimeout(() => void this.flushDenials(), 100)
  }

  private async flushDenials() {
    this.flushTimer = null
    const messages = this.denials.splice(0)
    if (messages.length)
      await this.producer
        ?.send({ topic: this.o.topic, messages })
        .catch((err) => this.o.log(`[enforcer] policy_denial events not sent: ${(err as Error).message}`))
  }

  /** A policy_ack for the version this replica now enforces (docs/events.md). */
  async ack(version: number): Promise<void> {
    if (!this.producer) return
    const event = {
      schema_version: SCHEMA_VERSION,
      type: 'policy_ack',
      event_id: `ack-${this.o.gatewayId}-${Date.now().toString(36)}-${this.ackSeq++}`,
      ts: Date.now(),
      tenant_id: '_gateway',
      gateway_id: this.o.gatewayId,
      policy_version: version,
    }
    await this.producer.send({ topic: this.o.topic, messages: [{ key: this.o.gatewayId, value: JSON.stringify(event) }] })
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    await this.flushDenials()
    await this.consumer?.disconnect().catch(() => {})
    await this.producer?.disconnect().catch(() => {})
  }
}
