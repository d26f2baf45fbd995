import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs'
import type { Store } from '../clickhouse/client'
import './kafka-codecs'
import type { IngestMetrics } from './health'
import { KafkaBatches } from './kafka-batches'
import { groupLag } from './kafka-lag'
import { OffsetLedger } from './kafka-ledger'
import { PartitionHolds, RESTART_INITIAL_MS } from './kafka-undecodable'
import type { IngestPipeline } from './pipeline'
import { backoffMs } from './retry'

/** How long stop() waits for inserts in flight to be acknowledged and committed, unless set (INGEST_SHUTDOWN_GRACE_MS). */
const SHUTDOWN_GRACE_MS = 15_000

export interface KafkaSourceOptions {
  brokers: string[]
  topic: string
  groupId: string
  clientId: string
  maxBatchRows: number
  maxWaitMs: number
  /** Most bytes per fetch from one partition (kafkajs maxBytesPerPartition). */
  fetchBytesPerPartition?: number
  sessionTimeoutMs?: number
  /** Parallel partitions per process; each gets its own insert. */
  partitionsConcurrently?: number
  /** A batch that cannot be decoded: hold its partition there (default) or record its range as a dead letter and go on. */
  undecodable?: 'hold' | 'dead-letter'
  /** Ceiling of the back-off between consumer restarts and between tries of an undecodable batch. */
  restartMaxMs?: number
  /** How long stop() waits for inserts in flight (default SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number
  log?: (line: string) => void
}

/**
 * Kafka → pipeline: the consumer's life (group joins, crashes, restarts with
 * back-off, lag, stop). Each fetched batch goes to KafkaBatches, which runs
 * the delivery guarantee stated in kafka-ledger.ts (at least once from Kafka,
 * effectively exactly once in ClickHouse) over the offset ledger this source
 * owns.
 *
 * No consumer dies silently: when kafkajs gives up on the consumer (a crash
 * event with restart false), a new consumer is started with exponential
 * back-off, and health says `restarting` with the error until it has joined
 * the group again.
 */
export class KafkaSource {
  private readonly kafka: Kafka
  private consumer: Consumer | null = null
  private admin: Admin | null = null
  private lagTimer: NodeJS.Timeout | null = null
  /** Intents, commits and replay: the state of the delivery guarantee. */
  private readonly ledger: OffsetLedger
  private readonly batches: KafkaBatches
  /** Partitions not fetched while their write waits for the store. */
  private readonly waitingForStore = new Set<number>()
  /** Counts the group joins and restarts, so a write can tell it started before the current one. */
  private generation = 0
  private stopping = false
  private readonly holds: PartitionHolds
  private restartTimer: NodeJS.Timeout | null = null
  /** Failed starts since the last write: the back-off exponent. */
  private restartAttempt = 0
  private restarts = 0

  constructor(
    private readonly opts: KafkaSourceOptions,
    private readonly pipeline: IngestPipeline,
    /** Where the offset ledger keeps its intents (kafka-ledger.ts). */
    store: Store,
    private readonly metrics: IngestMetrics,
  ) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    })
    this.holds = new PartitionHolds(opts.restartMaxMs ?? 60_000)
    this.ledger = new OffsetLedger(store, {
      commitOffset: async (topic, partition, offset) => {
        if (!this.consumer) throw new Error('the consumer is restarting')
        await this.consumer.commitOffsets([{ topic, partition, offset: String(offset) }])
      },
      log: (line) => this.log(line),
    })
    this.batches = new KafkaBatches(
      {
        maxBatchRows: opts.maxBatchRows,
        undecodable: opts.undecodable ?? 'hold',
        generation: () => this.generation,
        stopping: () => this.stopping,
        setFetching: (topic, partition, fetching) => this.setFetching(topic, partition, fetching),
        hold: (topic, partition, offset) =>
          this.holds.hold(
            partition,
            offset,
            () => this.consumer?.pause([{ topic, partitions: [partition] }]),
            () => {
              if (!this.waitingForStore.has(partition)) this.consumer?.resume([{ topic, partitions: [partition] }])
            },
          ),
        wrote: () => {
          this.restartAttempt = 0
        },
        storeAnswered: () => this.metrics.setPaused(this.waitingForStore.size > 0),
        log: (line) => this.log(line),
      },
      pipeline,
      this.ledger,
      metrics,
    )
  }

  private log(line: string) {
    ;(this.opts.log ?? console.log)(`[ingest:kafka] ${line}`)
  }

  async start(): Promise<void> {
    this.metrics.setConsumer({ state: 'starting' })
    await this.startConsumer()
    this.admin = this.kafka.admin()
    await this.admin.connect()
    this.lagTimer = setInterval(() => void this.refreshLag(), 5_000)
    void this.refreshLag()
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      maxBytesPerPartition: this.opts.fetchBytesPerPartition ?? 16 * 1024 * 1024,
      maxBytes: 4 * (this.opts.fetchBytesPerPartition ?? 16 * 1024 * 1024),
      minBytes: Math.min(256 * 1024, this.opts.fetchBytesPerPartition ?? 256 * 1024),
      maxWaitTimeInMs: this.opts.maxWaitMs,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    })
    this.consumer = consumer
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.generation++
      this.ledger.joined()
      // The partitions that share the recent-id memory (step 3, kafka-ledger.ts).
      this.pipeline.assigned(Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0))
      // kafkajs keeps pauses across rebalances, but the writes that asked for
      // them belong to the last generation and give up now (resuming what they
      // paused as they end): the new assignment starts out fetching all of it.
      consumer.resume([{ topic: this.opts.topic }])
      // Held partitions are fetched again at once: still undecodable, they are held again.
      this.holds.clear()
      // A partition now another member's is that member's to report.
      this.metrics.retainStuck(e.payload.memberAssignment)
      this.metrics.setConsumer({ state: 'running', nextRestartAt: null })
      this.log(`joined group, assigned ${JSON.stringify(e.payload.memberAssignment)}`)
    })
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload
      this.log(`consumer crashed: ${error.message} (restart: ${restart})`)
      if (this.stopping || consumer !== this.consumer) return
      // restart true: kafkajs rejoins by itself; until it has, the consumer is down all the same.
      this.metrics.setConsumer({ state: 'restarting', lastCrash: { at: Date.now(), message: error.message.slice(0, 500) }, nextRestartAt: null })
      if (!restart) this.scheduleRestart()
    })
    await consumer.connect()
    await consumer.subscribe({ topic: this.opts.topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 2,
      eachBatch: (payload) => this.batches.handle(payload),
    })
  }

  /** A new consumer after a back-off; kafkajs will not restart one it gave up on. */
  private scheduleRestart() {
    const delay = backoffMs(this.restartAttempt++, this.opts.restartMaxMs ?? 60_000, RESTART_INITIAL_MS)
    this.metrics.setConsumer({ state: 'restarting', nextRestartAt: Date.now() + delay })
    this.log(`starting a new consumer in ${delay} ms`)
    clearTimeout(this.restartTimer ?? undefined)
    this.restartTimer = setTimeout(() => void this.restartConsumer(), delay)
  }

  private async restartConsumer() {
    this.restartTimer = null
    if (this.stopping) return
    const old = this.consumer
    this.consumer = null
    // Writes of the old consumer no longer own their ranges: uncommitted, they are replayed.
    this.generation++
    this.holds.clear()
    await old?.disconnect().catch(() => {})
    this.restarts++
    this.metrics.setConsumer({ restarts: this.restarts, nextRestartAt: null })
    try {
      await this.startConsumer()
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.log(`consumer restart failed: ${message}`)
      this.metrics.setConsumer({ lastCrash: { at: Date.now(), message: message.slice(0, 500) } })
      if (!this.stopping) this.scheduleRestart()
    }
  }

  private setFetching(topic: string, partition: number, fetching: boolean) {
    if (fetching) this.waitingForStore.delete(partition)
    else this.waitingForStore.add(partition)
    try {
      if (fetching && !this.holds.isHeld(partition)) this.consumer?.resume([{ topic, partitions: [partition] }])
      else this.consumer?.pause([{ topic, partitions: [partition] }])
    } catch {
      // The consumer is stopping or restarting: it has no fetching to pause or resume.
    }
    this.metrics.setPaused(this.waitingForStore.size > 0)
  }

  private async refreshLag(): Promise<void> {
    if (!this.admin) return
    try {
      this.metrics.setLag(await groupLag(this.admin, this.opts.topic, this.opts.groupId))
    } catch {
      // Lag is informational; the next tick tries again.
    }
  }

  /** Step 9 of the delivery guarantee (kafka-ledger.ts): every acknowledged insert is committed before the group is left. */
  async stop(): Promise<void> {
    if (this.lagTimer) clearInterval(this.lagTimer)
    this.stopping = true
    clearTimeout(this.restartTimer ?? undefined)
    this.holds.clear()
    const drain = async () => {
      while (this.batches.running > 0 || this.ledger.writing().length > 0) {
        await Promise.all(this.ledger.writing().map((p) => this.ledger.settle(p)))
        if (this.batches.running > 0) await new Promise((r) => setTimeout(r, 20))
      }
    }
    // An insert stuck retrying against a store that is down must not hold
    // shutdown forever: after the grace period kafkajs stops, the insert sees
    // it no longer owns its range and gives up uncommitted, and the range is
    // read again on restart (its intent makes a repeated insert a no-op).
    let grace: NodeJS.Timeout | undefined
    await Promise.race([drain(), new Promise((r) => (grace = setTimeout(r, this.opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS)))])
    clearTimeout(grace)
    await this.consumer?.disconnect()
    await this.admin?.disconnect().catch(() => {})
    this.consumer = null
    this.admin = null
    this.metrics.setConsumer({ state: 'stopped', nextRestartAt: null })
  }
}
