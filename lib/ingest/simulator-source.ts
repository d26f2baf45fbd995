import type { GatewayEventInput } from '../events/schema'
import type { IngestPipeline } from './pipeline'
import type { SourceMessage } from './types'

export interface EventGenerator {
  generate(fromMs: number, toMs: number): GatewayEventInput[]
}

export interface SimulatorSourceOptions {
  maxBatchRows: number
  maxWaitMs: number
  /** Simulated history to write before going live, so charts start full. */
  backfillFromMs?: number
  log?: (line: string) => void
}

/**
 * The in-process source of the embedded default: the gateway simulator feeds
 * the same pipeline as Kafka (messages are serialized and decoded, so they go
 * through the same validation). Offsets start at the wall clock in
 * microseconds, so a restarted process never reuses a dedup token.
 */
export class SimulatorSource {
  private readonly topic = 'simulator'
  private nextOffset = Date.now() * 1000
  private timer: NodeJS.Timeout | null = null
  private generatedUntil = 0
  private pending: SourceMessage[] = []
  private oldestPendingAt = 0
  private flushing: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly generator: EventGenerator,
    private readonly pipeline: IngestPipeline,
    private readonly opts: SimulatorSourceOptions,
  ) {}

  private toMessages(events: GatewayEventInput[]): SourceMessage[] {
    return events.map((event) => ({
      topic: this.topic,
      partition: 0,
      offset: this.nextOffset++,
      key: 'install_id' in event ? event.install_id : null,
      value: Buffer.from(JSON.stringify(event)),
    }))
  }

  private async flushPending(): Promise<void> {
    while (this.pending.length > 0) {
      const chunk = this.pending.splice(0, this.opts.maxBatchRows)
      // Simulated events have nowhere to be replayed from, so even on stop they are written.
      await this.pipeline.flush(chunk)
    }
  }

  /** Returns at once; the backfill, if any, runs before live generation starts. */
  async start(): Promise<void> {
    const now = Date.now()
    this.generatedUntil = now
    this.flushing = this.backfill(now).then(() => {
      if (!this.stopped) this.timer = setInterval(() => this.tick(), 250)
    })
  }

  private async backfill(until: number): Promise<void> {
    const from = this.opts.backfillFromMs
    if (from === undefined || from >= until) return
    const log = this.opts.log ?? console.log
    const stepMs = 5 * 60_000
    for (let t = from; t < until && !this.stopped; t += stepMs) {
      const end = Math.min(until, t + stepMs)
      this.pending.push(...this.toMessages(this.generator.generate(t, end)))
      await this.flushPending()
      log(`[ingest:simulator] backfill ${Math.round(((end - from) * 100) / (until - from))}% (to ${new Date(end).toISOString()})`)
    }
  }

  private tick() {
    const now = Date.now()
    if (now <= this.generatedUntil) return
    const events = this.generator.generate(this.generatedUntil, now)
    this.generatedUntil = now
    if (events.length > 0 && this.pending.length === 0) this.oldestPendingAt = now
    this.pending.push(...this.toMessages(events))
    const due = this.pending.length >= this.opts.maxBatchRows || now - this.oldestPendingAt >= this.opts.maxWaitMs
    if (due) this.flushing = this.flushing.then(() => this.flushPending())
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    // Not yet due is no reason to drop them: pending events exist nowhere else.
    this.flushing = this.flushing.then(() => this.flushPending())
    await this.flushing
  }
}
