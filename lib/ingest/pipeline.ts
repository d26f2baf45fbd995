import type { IngestMetrics } from './health'
import { prepareBatch, type PrepareDeps, type PreparedBatch } from './prepare'
import type { BatchRange, ClickHouseSink } from './sink'
import type { SourceMessage } from './types'

export interface FlushControl {
  /** False once the source no longer owns these messages (rebalance, shutdown). */
  stillOwned: () => boolean
  /** Keeps the source's session alive while an insert or a back-off runs long. */
  heartbeat?: () => Promise<void>
  /** Called when the store fails, so the source can stop fetching more of this range's partition. */
  pauseFetching?: () => void
  /** Called once the write ends, written or abandoned, if it paused fetching: no pause may outlive it. */
  resumeFetching?: () => void
  sleep?: (ms: number) => Promise<void>
}

export interface PreparedRange {
  range: BatchRange
  batch: PreparedBatch
}

export type FlushOutcome = { status: 'written'; batch: PreparedBatch } | { status: 'abandoned' }

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * decode → validate → price → insert, for one contiguous offset range of one
 * partition. Store failures are retried with capped exponential back-off and
 * never turned into dead letters: an infrastructure failure is not bad input.
 * The caller commits the range only after `written`.
 */
export class IngestPipeline {
  constructor(
    private readonly sink: ClickHouseSink,
    private readonly deps: PrepareDeps,
    private readonly metrics: IngestMetrics,
    private readonly opts: { retryMaxMs: number; recordIntents: boolean },
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

  async flush(messages: SourceMessage[], control: FlushControl): Promise<FlushOutcome> {
    if (messages.length === 0) return { status: 'abandoned' }
    return this.write(this.prepare(messages), control)
  }

  /** Partitions this process holds since its last group join: they share the seeded memory. */
  private partitionsHeld = 1

  /** Called on every group join with the number of partitions assigned to this member. */
  assigned(partitions: number): void {
    this.partitionsHeld = Math.max(1, partitions)
  }

  /**
   * Re-sends stay single rows across restarts and rebalances, so every rollup
   * (the materialized views count each inserted row once, at insert time)
   * equals the same aggregate over the deduplicated events:
   *  1. Gateways key messages by install id, so a re-send reaches the
   *     partition of its original.
   *  2. Within a process, the recent-id memory (recent-ids.ts) dead-letters a
   *     re-send of any of the last `capacity` ids it remembered.
   *  3. When this process starts reading a partition (the first batch after
   *     each group join, i.e. after a start, a crash restart or a rebalance),
   *     before anything of it is prepared, the memory is seeded with the ids
   *     stored from the partition's last capacity / P offsets below the first
   *     offset read (P = partitions this member holds, so the seeds of all of
   *     them fit together). Those offsets were committed, hence stored: the
   *     seed is complete for them, whoever wrote them.
   *  4. Offsets from the first one read up are never seeded: they are read
   *     again (an uncommitted range is rebuilt for its replay), and seeding
   *     them would dead-letter the replayed events as duplicates of themselves.
   * Limits: a re-send is caught if, when it is read, its original is still in
   * the memory: among the last `capacity` (200,000) ids the process read or
   * seeded, and, if it was stored before the partition changed hands, within
   * the partition's last capacity / P offsets before that. A re-send keyed to
   * another partition (null key or a key that is not the install id) is
   * caught only while one process reads both partitions. In cluster mode the
   * seed reads one replica: a part it has not fetched yet is not seeded.
   * Beyond these limits a re-send is a second row: `events` collapses it on
   * merge (FINAL), the rollups keep counting it.
   */
  async seedPartition(topic: string, partition: number, firstOffset: number): Promise<number> {
    const span = Math.floor(this.deps.recentIds.capacity / this.partitionsHeld)
    const ids = await this.sink.storedEventIds(topic, partition, Math.max(0, firstOffset - span), firstOffset)
    return this.deps.recentIds.remember(ids)
  }

  /** These offsets will be read again (by us or another member): let their ids count as new then. */
  forget(batch: PreparedBatch): void {
    for (const row of batch.rows) this.deps.recentIds.forget(row.event_id)
  }

  /** Records the intent, then inserts; retries store failures until written or no longer owned. */
  async write({ range, batch }: PreparedRange, control: FlushControl): Promise<FlushOutcome> {
    const sleep = control.sleep ?? defaultSleep
    let delay = 100
    let intentRecorded = !this.opts.recordIntents
    let pausedFetching = false
    try {
      for (;;) {
        if (!control.stillOwned()) {
          this.forget(batch)
          return { status: 'abandoned' }
        }
        const beat = control.heartbeat ? setInterval(() => control.heartbeat?.().catch(() => {}), 2_000) : null
        try {
          if (!intentRecorded) {
            await this.sink.recordIntent(range)
            intentRecorded = true
          }
          await this.sink.write(batch, range)
          this.metrics.recordBatch(batch.rows.length, batch.deadLetters, batch.bytes)
          return { status: 'written', batch }
        } catch (err) {
          this.metrics.recordError(err instanceof Error ? err.message : String(err))
          this.metrics.setPaused(true)
          pausedFetching = true
          control.pauseFetching?.()
          await control.heartbeat?.().catch(() => {})
          await sleep(delay)
          delay = Math.min(delay * 2, this.opts.retryMaxMs)
        } finally {
          if (beat) clearInterval(beat)
        }
      }
    } finally {
      // Abandoned after a rebalance, the range is another member's or is read
      // again later: a pause left behind would stop that reading for good.
      if (pausedFetching) control.resumeFetching?.()
    }
  }
}
