import type { IngestMetrics } from './health'
import { prepareBatch, type PrepareDeps, type PreparedBatch } from './prepare'
import { GAVE_UP, retryStore } from './retry'
import type { BatchRange, ClickHouseSink } from './sink'
import type { SourceMessage } from './types'

export interface PreparedRange {
  range: BatchRange
  batch: PreparedBatch
}

export type FlushOutcome = { status: 'written'; batch: PreparedBatch } | { status: 'abandoned' }

/**
 * decode → validate → price → insert, for one contiguous range of source
 * positions. The pipeline knows messages and their positions, never where they
 * came from: a source calls it and it calls the sink, nothing calls back
 * (fetching, heartbeats, commits and intents are the Kafka source's, see the
 * delivery guarantee in kafka-ledger.ts).
 */
export class IngestPipeline {
  constructor(
    private readonly sink: ClickHouseSink,
    private readonly deps: PrepareDeps,
    private readonly metrics: IngestMetrics,
    /** retryMaxMs: ceiling of the one back-off policy (retry.ts), INGEST_RETRY_MAX_MS. */
    readonly opts: { retryMaxMs: number },
  ) {}

  /** decode → validate → price: CPU only, so it can run while the previous range's insert is in flight. */
  prepare(messages: SourceMessage[]): PreparedRange {
    const range: BatchRange = {
      topic: messages[0].topic,
      partition: messages[0].partition,
      firstOffset: messages[0].offset,
      lastOffset: messages[messages.length - 1].offset,
    }
    return { range, batch: prepareBatch(messages, this.deps) }
  }

  /**
   * One insert of a prepared range, under the dedup token of its positions
   * (sink.ts). A failure is recorded on the health page and thrown: the caller
   * retries it with retryStore, as write() does.
   */
  async insert({ range, batch }: PreparedRange): Promise<void> {
    try {
      await this.sink.write(batch, range)
    } catch (err) {
      this.storeFailed(`inserting ${describeRange(range)}: ${err instanceof Error ? err.message : String(err)}`)
      throw err
    }
    this.metrics.recordBatch(batch.rows.length, batch.deadLetters, batch.bytes)
  }

  /** A store call failed: the health page shows it and says ingest waits for the store. */
  private storeFailed(message: string): void {
    this.metrics.recordError(message)
    this.metrics.setPaused(true)
  }

  /**
   * Inserts until written, retrying store failures with the one back-off
   * policy; while `wanted` says no (the range is no longer this process's),
   * it gives up, and the ids of the range count as new when it is read again.
   */
  async write(prepared: PreparedRange, opts: { wanted?: () => boolean; sleep?: (ms: number) => Promise<void> } = {}): Promise<FlushOutcome> {
    const done = await retryStore(`inserting ${describeRange(prepared.range)}`, () => this.insert(prepared), {
      maxMs: this.opts.retryMaxMs,
      wanted: opts.wanted,
      sleep: opts.sleep,
    })
    if (done === GAVE_UP) {
      this.forget(prepared.batch)
      return { status: 'abandoned' }
    }
    return { status: 'written', batch: prepared.batch }
  }

  /** prepare, then write: for sources with nothing to overlap (the simulator). */
  async flush(messages: SourceMessage[], opts: { wanted?: () => boolean } = {}): Promise<FlushOutcome> {
    if (messages.length === 0) return { status: 'abandoned' }
    return this.write(this.prepare(messages), opts)
  }

  /** Partitions this process holds since its last group join: they share the seeded memory. */
  private partitionsHeld = 1

  /** Called on every group join with the number of partitions assigned to this member. */
  assigned(partitions: number): void {
    this.partitionsHeld = Math.max(1, partitions)
  }

  /**
   * Remembers the ids stored from the partition's last capacity / P positions
   * below `firstOffset` (P = partitions held, so the seeds of all of them fit
   * together), so a re-send of one of them is dead-lettered instead of counted
   * again: step 3 of the delivery guarantee (kafka-ledger.ts), which says when
   * a source calls it and what it guarantees. Returns how many ids were new.
   */
  async seedPartition(topic: string, partition: number, firstOffset: number): Promise<number> {
    const span = Math.floor(this.deps.recentIds.capacity / this.partitionsHeld)
    const ids = await this.sink.storedEventIds(topic, partition, Math.max(0, firstOffset - span), firstOffset)
    return this.deps.recentIds.remember(ids)
  }

  /** These positions will be read again (by us or another member): let their ids count as new then. */
  forget(batch: PreparedBatch): void {
    for (const row of batch.rows) this.deps.recentIds.forget(row.event_id)
  }
}

export const describeRange = (r: BatchRange) => `offsets ${r.firstOffset}-${r.lastOffset} of ${r.topic}/${r.partition}`
