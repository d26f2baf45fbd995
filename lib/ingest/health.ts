/** Counters the dashboard's ingest-health page and the bench read. */
export interface PartitionLag {
  topic: string
  partition: number
  committedOffset: number
  highWatermark: number
  lag: number
}

export interface IngestHealth {
  source: string
  startedAt: number
  eventsTotal: number
  deadLettersTotal: number
  deadLettersByReason: Record<string, number>
  batchesTotal: number
  bytesTotal: number
  insertRetries: number
  lastInsertAt: number | null
  lastError: { at: number; message: string } | null
  /** Events per second over the last ~10 s. */
  eventsPerSec: number
  paused: boolean
  lag: PartitionLag[]
}

const WINDOW_MS = 10_000

export class IngestMetrics {
  private readonly state: IngestHealth
  private readonly recent: { at: number; events: number }[] = []

  constructor(source: string) {
    this.state = {
      source, startedAt: Date.now(), eventsTotal: 0, deadLettersTotal: 0, deadLettersByReason: {},
      batchesTotal: 0, bytesTotal: 0, insertRetries: 0, lastInsertAt: null, lastError: null,
      eventsPerSec: 0, paused: false, lag: [],
    }
  }

  recordBatch(events: number, deadLetters: { reason: string }[], bytes: number, at = Date.now()) {
    const s = this.state
    s.eventsTotal += events
    s.deadLettersTotal += deadLetters.length
    for (const d of deadLetters) s.deadLettersByReason[d.reason] = (s.deadLettersByReason[d.reason] ?? 0) + 1
    s.batchesTotal += 1
    s.bytesTotal += bytes
    s.lastInsertAt = at
    s.paused = false
    this.recent.push({ at, events })
  }

  recordError(message: string, at = Date.now()) {
    this.state.insertRetries += 1
    this.state.lastError = { at, message: message.slice(0, 500) }
  }

  setPaused(paused: boolean) {
    this.state.paused = paused
  }

  setLag(lag: PartitionLag[]) {
    this.state.lag = lag
  }

  snapshot(now = Date.now()): IngestHealth {
    while (this.recent.length > 0 && this.recent[0].at < now - WINDOW_MS) this.recent.shift()
    const span = Math.max(1_000, Math.min(WINDOW_MS, now - this.state.startedAt))
    const events = this.recent.reduce((sum, r) => sum + r.events, 0)
    return { ...this.state, eventsPerSec: Math.round((events * 1000) / span), lag: [...this.state.lag] }
  }
}

const GLOBAL_KEY = Symbol.for('burnrate.ingest-metrics')
type GlobalWithMetrics = typeof globalThis & { [GLOBAL_KEY]?: IngestMetrics }

/** The in-process ingest's metrics, visible to route handlers in the embedded default. */
export function registerMetrics(metrics: IngestMetrics) {
  ;(globalThis as GlobalWithMetrics)[GLOBAL_KEY] = metrics
}

export function registeredMetrics(): IngestMetrics | undefined {
  return (globalThis as GlobalWithMetrics)[GLOBAL_KEY]
}
