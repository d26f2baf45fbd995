import { Kafka, logLevel, type Consumer, type EachBatchPayload, type Admin, type KafkaMessage } from 'kafkajs'
import './kafka-codecs'
import type { IngestMetrics } from './health'
import { groupLag } from './kafka-lag'
import { backoffMs, findUndecodable, PartitionHolds, undecodableDeadLetter, type UndecodableRun } from './kafka-undecodable'
import type { FlushControl, IngestPipeline } from './pipeline'
import type { ClickHouseSink } from './sink'
import type { SourceMessage } from './types'

/** How long stop() waits for inserts in flight to be acknowledged and committed. */
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
  log?: (line: string) => void
}

/**
 * Kafka → pipeline, at-least-once from Kafka and effectively exactly-once in
 * ClickHouse:
 *  - offsets are committed only after ClickHouse acknowledged the insert of
 *    every message below them (autoCommit off, explicit commit per range);
 *  - each range is recorded as an intent before it is inserted, and inserted
 *    with a dedup token made from its offsets. A consumer that dies between
 *    insert and commit leaves the range uncommitted; whoever owns the
 *    partition next finds the intent, rebuilds exactly that range, and the
 *    repeated insert is dropped by ClickHouse as a duplicate;
 *  - one insert in flight per partition overlaps the decoding of the next
 *    range, and stop() commits every acknowledged insert before leaving the
 *    group, so a SIGTERM can never land between an insert and its commit;
 *  - a rebalance ends this member's claim on every range fetched before it,
 *    even of a partition it keeps: it may have been dropped from the group and
 *    the partition read by another member meanwhile, and a commit under the
 *    new generation is accepted whoever owns the partition, so it could move
 *    that member's progress back. Such a range is left to the replay above.
 *
 * No partition is skipped and no consumer dies silently:
 *  - a batch that cannot be decoded arrives as placeholders (kafka-codecs.ts):
 *    its partition is held at its first offset (nothing past it is committed),
 *    shown in ingest health as stuck, and tried again with back-off, while the
 *    other partitions go on; with undecodable 'dead-letter' its offset range
 *    is recorded as one dead letter instead and the partition goes on;
 *  - when kafkajs gives up on the consumer (a crash event with restart false),
 *    a new consumer is started with exponential back-off, and health says
 *    `restarting` with the error until it has joined the group again.
 */
export class KafkaSource {
  private readonly kafka: Kafka
  private consumer: Consumer | null = null
  private admin: Admin | null = null
  private lagTimer: NodeJS.Timeout | null = null
  /** Partitions whose first batch since assignment still has to check for an intent. */
  private readonly replayChecked = new Set<number>()
  /** Per partition: the insert in flight, then its commit; resolves false if it was abandoned. */
  private readonly inFlight = new Map<number, Promise<boolean>>()
  /** Per partition: the next offset after what this member committed since it last joined. */
  private readonly committedTo = new Map<number, number>()
  /** Partitions not fetched while their write waits for the store. */
  private readonly waitingForStore = new Set<number>()
  /** Counts the group joins, so a write can tell it started before the current one. */
  private generation = 0
  private running = 0
  private stopping = false
  private readonly holds: PartitionHolds
  private restartTimer: NodeJS.Timeout | null = null
  /** Failed starts since the last write: the back-off exponent. */
  private restartAttempt = 0
  private restarts = 0

  constructor(
    private readonly opts: KafkaSourceOptions,
    private readonly pipeline: IngestPipeline,
    private readonly sink: ClickHouseSink,
    private readonly metrics: IngestMetrics,
  ) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    })
    this.holds = new PartitionHolds(opts.restartMaxMs ?? 60_000)
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
      this.replayChecked.clear()
      this.committedTo.clear()
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
      eachBatch: (payload) => this.handleBatch(payload),
    })
  }

  /** A new consumer after a back-off; kafkajs will not restart one it gave up on. */
  private scheduleRestart() {
    const delay = backoffMs(this.restartAttempt++, this.opts.restartMaxMs ?? 60_000)
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

  /**
   * One fetched batch of one partition, cut into ranges of at most
   * maxBatchRows. The insert of a range runs while the next range (or the
   * next fetch) is decoded and validated, but a partition never has more than
   * one insert in flight, and each range is committed only after its own
   * insert was acknowledged, in offset order. The last range's insert may
   * still be running when this returns: its fetch position is resolved so
   * Kafka keeps fetching, its commit follows the insert, and the next batch of
   * the partition (or stop()) waits for it.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    this.running++
    try {
      const { batch } = payload
      const undecodable = findUndecodable(batch.messages)
      const decoded = undecodable ? batch.messages.slice(0, undecodable.index) : batch.messages
      const done = await this.handleBatchInner(payload, decoded)
      if (!done) return
      if (undecodable) await this.handleUndecodable(payload, undecodable)
      else if (decoded.length > 0) this.metrics.partitionUnstuck(batch.topic, batch.partition)
    } finally {
      this.running--
    }
  }

  /**
   * The placeholders of a batch that could not be decoded, after the messages
   * before it were handled: hold the partition there, or record the range as
   * a dead letter and commit past it, in offset order after those messages.
   */
  private async handleUndecodable(payload: EachBatchPayload, u: UndecodableRun): Promise<void> {
    const { topic, partition } = payload.batch
    const range = { topic, partition, firstOffset: u.firstOffset, lastOffset: u.lastOffset }
    if (this.opts.undecodable === 'dead-letter') {
      if (!(await this.settle(partition))) return
      const generation = this.generation
      const stillOwned = () => payload.isRunning() && !payload.isStale() && this.generation === generation
      const outcome = await this.pipeline.write(undecodableDeadLetter(range, u.reason), { stillOwned, heartbeat: payload.heartbeat })
      if (outcome.status !== 'written' || !stillOwned() || !(await this.commit(topic, partition, u.lastOffset + 1))) return
      this.log(`partition ${partition}: offsets ${u.firstOffset}-${u.lastOffset} could not be decoded (${u.reason}); recorded as a dead-letter range`)
      payload.resolveOffset(String(u.lastOffset))
      this.metrics.partitionUnstuck(topic, partition)
      return
    }
    this.metrics.partitionStuck({ topic, partition, offset: u.firstOffset, lastOffset: u.lastOffset, error: u.reason })
    const delay = this.holds.hold(partition, u.firstOffset,
      () => this.consumer?.pause([{ topic, partitions: [partition] }]),
      () => { if (!this.waitingForStore.has(partition)) this.consumer?.resume([{ topic, partitions: [partition] }]) })
    this.log(`partition ${partition}: stuck at offset ${u.firstOffset}, batch ${u.firstOffset}-${u.lastOffset} cannot be decoded (${u.reason}); nothing past it is committed, trying again in ${delay} ms`)
  }

  /** False when the batch is to be fetched again (it ended inside a range to replay) or is no longer ours. */
  private async handleBatchInner(payload: EachBatchPayload, fetched: KafkaMessage[]): Promise<boolean> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload
    const topic = batch.topic
    const partition = batch.partition
    let messages: SourceMessage[] = fetched.map((m) => ({
      topic, partition, offset: Number(m.offset), key: m.key ? m.key.toString('utf8') : null, value: m.value,
    }))
    if (messages.length === 0) return true
    const generation = this.generation
    const control: FlushControl = {
      stillOwned: () => isRunning() && !isStale() && this.generation === generation,
      heartbeat,
      // Only the partition whose write waits: the others may be writing fine.
      pauseFetching: () => this.setFetching(topic, partition, false),
      resumeFetching: () => this.setFetching(topic, partition, true),
    }
    const chunks: SourceMessage[][] = []
    if (!this.replayChecked.has(partition)) {
      // A write of this partition from before a rebalance must land before its intent is looked up.
      await this.settle(partition)
      // The fetch may have started from an offset committed before that write
      // was: what it committed since is stored already, so skip it.
      const done = this.committedTo.get(partition) ?? 0
      if (messages[0].offset < done) {
        messages = messages.filter((m) => m.offset >= done)
        resolveOffset(String(done - 1))
        if (messages.length === 0) return true
      }
      const replay = await this.replayChunk(messages)
      if (replay === 'wait') return false
      // Re-sends of events stored before this member read the partition are dead-lettered too (pipeline.ts).
      await this.retryStore(() => this.pipeline.seedPartition(topic, partition, messages[0].offset))
      this.replayChecked.add(partition)
      if (replay) {
        chunks.push(replay.chunk)
        messages = messages.slice(replay.chunk.length)
      }
    }
    for (let i = 0; i < messages.length; i += this.opts.maxBatchRows) chunks.push(messages.slice(i, i + this.opts.maxBatchRows))
    for (const chunk of chunks) {
      const prepared = this.pipeline.prepare(chunk)
      if (!(await this.settle(partition)) || !control.stillOwned()) {
        this.pipeline.forget(prepared.batch)
        return false
      }
      const last = chunk[chunk.length - 1].offset
      const written = this.pipeline.write(prepared, control).then(async (outcome) => {
        if (outcome.status !== 'written') return false
        this.restartAttempt = 0
        // Uncommitted, the range will be read again, by us or another member:
        // it must rebuild the same rows, so its insert carries the same token
        // and is dropped, instead of dead-lettering the ids as duplicates.
        const committed = control.stillOwned() && (await this.commit(topic, partition, last + 1))
        if (!committed) this.pipeline.forget(prepared.batch)
        return true
      })
      this.inFlight.set(partition, written)
      resolveOffset(String(last))
      if (this.stopping) await this.settle(partition)
      await heartbeat().catch(() => {})
    }
    return true
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

  /** Waits for the partition's insert in flight, if any; false if it was abandoned. */
  private async settle(partition: number): Promise<boolean> {
    const pending = this.inFlight.get(partition)
    if (!pending) return true
    const ok = await pending
    if (this.inFlight.get(partition) === pending) this.inFlight.delete(partition)
    return ok
  }

  private async commit(topic: string, partition: number, offset: number): Promise<boolean> {
    try {
      await this.consumer?.commitOffsets([{ topic, partition, offset: String(offset) }])
      this.committedTo.set(partition, Math.max(offset, this.committedTo.get(partition) ?? 0))
      return true
    } catch (err) {
      // Lost the partition between insert and commit: its next owner finds the
      // intent, rebuilds the same range and the insert is dropped as a duplicate.
      this.log(`partition ${partition}: commit of ${offset} failed (${err instanceof Error ? err.message : err}); the next owner replays it`)
      return false
    }
  }

  /**
   * After a crash or a rebalance the previous owner may have inserted a range
   * it never committed. Rebuild exactly that range so its insert dedups.
   */
  private async replayChunk(messages: SourceMessage[]): Promise<{ chunk: SourceMessage[] } | null | 'wait'> {
    const first = messages[0]
    const intent = await this.retryStore(() => this.sink.intentAt(first.topic, first.partition, first.offset))
    if (!intent) return null
    const chunk = messages.filter((m) => m.offset <= intent.lastOffset)
    if (chunk[chunk.length - 1].offset >= intent.lastOffset || messages.length > chunk.length) {
      this.log(`partition ${first.partition}: replaying uncommitted range ${first.offset}-${intent.lastOffset}`)
      return { chunk }
    }
    // The fetch ended inside the old range. Kafka fetches from the same offset
    // return at least as much as before unless the fetch size was lowered, so
    // ask again rather than insert a range with a different token.
    this.log(`partition ${first.partition}: fetch ended at ${chunk[chunk.length - 1].offset} inside uncommitted range ending ${intent.lastOffset}; refetching`)
    await new Promise((r) => setTimeout(r, 500))
    return 'wait'
  }

  private async retryStore<T>(fn: () => Promise<T>): Promise<T> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        const result = await fn()
        this.metrics.setPaused(this.waitingForStore.size > 0)
        return result
      } catch (err) {
        this.metrics.recordError(`intent lookup: ${err instanceof Error ? err.message : err}`)
        // The store is as unavailable here as when an insert fails: say so on the health page.
        this.metrics.setPaused(true)
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  private async refreshLag(): Promise<void> {
    if (!this.admin) return
    try {
      this.metrics.setLag(await groupLag(this.admin, this.opts.topic, this.opts.groupId))
    } catch {
      // Lag is informational; the next tick tries again.
    }
  }

  /**
   * Stops without ever falling between an insert and its commit: new batches
   * insert synchronously once stopping is set, and every insert in flight is
   * committed while the consumer is still a group member; only then does
   * kafkajs stop (it waits for a batch still running) and leave the group.
   */
  async stop(): Promise<void> {
    if (this.lagTimer) clearInterval(this.lagTimer)
    this.stopping = true
    clearTimeout(this.restartTimer ?? undefined)
    this.holds.clear()
    const drain = async () => {
      while (this.running > 0 || this.inFlight.size > 0) {
        await Promise.all([...this.inFlight.keys()].map((p) => this.settle(p)))
        if (this.running > 0) await new Promise((r) => setTimeout(r, 20))
      }
    }
    // An insert stuck retrying against a store that is down must not hold
    // shutdown forever: after the grace period kafkajs stops, the insert sees
    // it no longer owns its range and gives up uncommitted, and the range is
    // read again on restart (its intent makes a repeated insert a no-op).
    let grace: NodeJS.Timeout | undefined
    await Promise.race([drain(), new Promise((r) => (grace = setTimeout(r, SHUTDOWN_GRACE_MS)))])
    clearTimeout(grace)
    await this.consumer?.disconnect()
    await this.admin?.disconnect().catch(() => {})
    this.consumer = null
    this.admin = null
    this.metrics.setConsumer({ state: 'stopped', nextRestartAt: null })
  }
}
