import type { EachBatchPayload, KafkaMessage } from 'kafkajs'
import type { IngestMetrics } from './health'
import type { OffsetLedger } from './kafka-ledger'
import { findUndecodable, undecodableDeadLetter, type UndecodableRun } from './kafka-undecodable'
import { describeRange, type IngestPipeline, type PreparedRange } from './pipeline'
import { GAVE_UP, retryStore } from './retry'
import type { SourceMessage } from './types'

/** What batch handling needs from the consumer that owns it (kafka-source.ts). */
export interface ConsumerState {
  maxBatchRows: number
  undecodable: 'hold' | 'dead-letter'
  /** Counts the group joins and consumer restarts, so a write can tell it started before the current one. */
  generation: () => number
  stopping: () => boolean
  /** Pauses or resumes fetching one partition while its write waits for the store. */
  setFetching: (topic: string, partition: number, fetching: boolean) => void
  /** Holds a partition at an undecodable batch; returns the back-off before it is fetched again. */
  hold: (topic: string, partition: number, offset: number) => number
  /** A write was acknowledged: the consumer restart back-off starts over. */
  wrote: () => void
  /** A store read succeeded: ingest waits for the store only if some write still does. */
  storeAnswered: () => void
  log: (line: string) => void
}

/**
 * Runs steps 1 to 10 of the delivery guarantee (kafka-ledger.ts) for each
 * fetched batch of one partition: the ledger keeps their state, the pipeline
 * prepares and inserts, this class drives them in order.
 */
export class KafkaBatches {
  /** Batches being handled, which stop() waits for. */
  running = 0

  constructor(
    private readonly consumer: ConsumerState,
    private readonly pipeline: IngestPipeline,
    private readonly ledger: OffsetLedger,
    private readonly metrics: IngestMetrics,
  ) {}

  /**
   * One fetched batch, cut into ranges of at most maxBatchRows. The insert of
   * a range runs while the next range (or the next fetch) is decoded and
   * validated; the last range's insert may still be running when this returns:
   * its fetch position is resolved so Kafka keeps fetching, its commit follows
   * the insert, and the next batch of the partition (or stop()) waits for it.
   */
  async handle(payload: EachBatchPayload): Promise<void> {
    this.running++
    try {
      const { batch } = payload
      const undecodable = findUndecodable(batch.messages)
      const decoded = undecodable ? batch.messages.slice(0, undecodable.index) : batch.messages
      const done = await this.handleDecoded(payload, decoded)
      if (!done) return
      if (undecodable) await this.handleUndecodable(payload, undecodable)
      else if (decoded.length > 0) this.metrics.partitionUnstuck(batch.topic, batch.partition)
    } finally {
      this.running--
    }
  }

  /** False once the batch no longer belongs to this member: a rebalance, a restart or stop (step 8). */
  private owner(payload: EachBatchPayload): () => boolean {
    const generation = this.consumer.generation()
    return () => payload.isRunning() && !payload.isStale() && this.consumer.generation() === generation
  }

  /** Step 10: hold the partition at the batch, or record its range as a dead letter and commit past it. */
  private async handleUndecodable(payload: EachBatchPayload, u: UndecodableRun): Promise<void> {
    const { topic, partition } = payload.batch
    const range = { topic, partition, firstOffset: u.firstOffset, lastOffset: u.lastOffset }
    if (this.consumer.undecodable === 'dead-letter') {
      if (!(await this.ledger.settle(partition))) return
      const owned = this.owner(payload)
      const written = await this.write(undecodableDeadLetter(range, u.reason), owned, payload.heartbeat)
      if (!written || !owned() || !(await this.ledger.commit(topic, partition, u.lastOffset + 1))) return
      this.consumer.log(`partition ${partition}: offsets ${u.firstOffset}-${u.lastOffset} could not be decoded (${u.reason}); recorded as a dead-letter range`)
      payload.resolveOffset(String(u.lastOffset))
      this.metrics.partitionUnstuck(topic, partition)
      return
    }
    this.metrics.partitionStuck({ topic, partition, offset: u.firstOffset, lastOffset: u.lastOffset, error: u.reason })
    const delay = this.consumer.hold(topic, partition, u.firstOffset)
    this.consumer.log(
      `partition ${partition}: stuck at offset ${u.firstOffset}, batch ${u.firstOffset}-${u.lastOffset} cannot be decoded (${u.reason}); nothing past it is committed, trying again in ${delay} ms`,
    )
  }

  /** Steps 1 to 7 for the decoded messages; false when the batch is to be fetched again or is no longer ours. */
  private async handleDecoded(payload: EachBatchPayload, fetched: KafkaMessage[]): Promise<boolean> {
    const { batch, resolveOffset, heartbeat } = payload
    const { topic, partition } = batch
    let messages: SourceMessage[] = fetched.map((m) => ({
      topic,
      partition,
      offset: Number(m.offset),
      key: m.key ? m.key.toString('utf8') : null,
      value: m.value,
    }))
    if (messages.length === 0) return true
    const owned = this.owner(payload)
    // A failed heartbeat is the group's notice of a rebalance: kafkajs rejoins only once this batch returns, and a
    // member still inserting the rest of a large fetch past the rebalance timeout is dropped from the group (its
    // later commits refused, the join waiting on it). So no new range starts after one; the unstarted ranges are
    // left unresolved, read again by whoever owns the partition next.
    let rejoin = false
    const beat = () =>
      heartbeat().catch(() => {
        rejoin = true
      })
    const chunks: SourceMessage[][] = []
    if (this.ledger.isFirstRead(partition)) {
      // Step 1: a write of this partition from before the join lands before its intent is looked up.
      await this.ledger.settle(partition)
      const done = this.ledger.committedBy(partition)
      if (messages[0].offset < done) {
        messages = messages.filter((m) => m.offset >= done)
        resolveOffset(String(done - 1))
        if (messages.length === 0) return true
      }
      // Step 2.
      const first = messages[0]
      const intent = await this.untilStored(`looking up the intent at offset ${first.offset} of ${topic}/${partition}`, () =>
        this.ledger.intentAt(topic, partition, first.offset),
      )
      const replay = this.ledger.replayChunk(messages, intent)
      if (replay === 'wait') {
        await new Promise((r) => setTimeout(r, 500))
        return false
      }
      // Step 3.
      await this.untilStored(`seeding recent event ids from the offsets below ${first.offset} of ${topic}/${partition}`, () =>
        this.pipeline.seedPartition(topic, partition, first.offset),
      )
      this.ledger.firstReadDone(partition)
      if (replay) {
        chunks.push(replay)
        messages = messages.slice(replay.length)
      }
    }
    // Step 4.
    for (let i = 0; i < messages.length; i += this.consumer.maxBatchRows) chunks.push(messages.slice(i, i + this.consumer.maxBatchRows))
    for (const chunk of chunks) {
      if (rejoin) {
        await this.ledger.settle(partition)
        return false
      }
      const prepared = this.pipeline.prepare(chunk)
      if (!(await this.ledger.settle(partition)) || !owned()) {
        this.pipeline.forget(prepared.batch)
        return false
      }
      const last = chunk[chunk.length - 1].offset
      const written = this.write(prepared, owned, beat).then(async (ok) => {
        if (!ok) return false
        this.consumer.wrote()
        // Step 7. Uncommitted, the range will be read again, by us or another
        // member: it must rebuild the same rows, so its insert carries the same
        // token and is dropped, instead of dead-lettering the ids as duplicates.
        const committed = owned() && (await this.ledger.commit(topic, partition, last + 1))
        if (!committed) this.pipeline.forget(prepared.batch)
        return true
      })
      this.ledger.track(partition, written)
      resolveOffset(String(last))
      if (this.consumer.stopping()) await this.ledger.settle(partition)
      await beat()
    }
    return true
  }

  /**
   * Steps 5 and 6: the intent, then the insert, each retried with the one
   * back-off policy while the range is still ours. Meanwhile the partition is
   * not fetched (only this one: the others may be writing fine) and the
   * session is kept alive. False if the range was given up (its ids forgotten).
   */
  private async write(prepared: PreparedRange, owned: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    const { topic, partition } = prepared.range
    const beat = setInterval(() => void heartbeat().catch(() => {}), 2_000)
    let paused = false
    const waitForStore = async (message: string | null) => {
      // An insert's failure is on the health page already (pipeline.insert).
      if (message) this.storeFailed(message)
      paused = true
      this.consumer.setFetching(topic, partition, false)
      await heartbeat().catch(() => {})
    }
    const retry = { maxMs: this.pipeline.opts.retryMaxMs, wanted: owned }
    try {
      const intent = await retryStore(`recording the intent of ${describeRange(prepared.range)}`, () => this.ledger.recordIntent(prepared.range), {
        ...retry,
        onFailure: waitForStore,
      })
      const insert =
        intent === GAVE_UP
          ? GAVE_UP
          : await retryStore(`inserting ${describeRange(prepared.range)}`, () => this.pipeline.insert(prepared), {
              ...retry,
              onFailure: () => waitForStore(null),
            })
      if (insert !== GAVE_UP) return true
      this.pipeline.forget(prepared.batch)
      return false
    } finally {
      clearInterval(beat)
      // Abandoned after a rebalance, the range is another member's or is read
      // again later: a pause left behind would stop that reading for good.
      if (paused) this.consumer.setFetching(topic, partition, true)
    }
  }

  /** A store read of steps 2 and 3, retried with the one back-off policy until it succeeds. */
  private async untilStored<T>(what: string, read: () => Promise<T>): Promise<T> {
    const result = await retryStore(what, read, { maxMs: this.pipeline.opts.retryMaxMs, onFailure: (message) => this.storeFailed(message) })
    if (result === GAVE_UP) throw new Error(`${what}: given up`) // unreachable: no `wanted`
    this.consumer.storeAnswered()
    return result
  }

  /** The store is as unavailable here as when an insert fails: say what failed on the health page. */
  private storeFailed(message: string): void {
    this.metrics.recordError(message)
    this.metrics.setPaused(true)
  }
}
