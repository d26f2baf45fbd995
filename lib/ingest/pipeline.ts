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
