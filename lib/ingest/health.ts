/** Counters the dashboard's ingest-health page and the bench read. */
export interface PartitionLag {
  topic: string
  partition: number
  committedOffset: number
  highWatermark: number
  lag: number
}

/**
 * A partition the consumer cannot get past: a batch it cannot decode (a codec
 * that fails, a corrupt batch). Nothing at or after `offset` is committed
 * while it is held; it is retried with back-off until it decodes or, with
 * INGEST_UNDECODABLE=dead-letter, is recorded as a dead-letter range.
 */
export interface StuckPartition {
  topic: string
  partition: number
  /** First offset not ingested: the group's position stays here. */
  offset: number
  /** Last offset of the undecodable batch. */
  lastOffset: number
  error: string
  since: number
  attempts: number
}

/** The Kafka consumer's own state: `restarting` after kafkajs gave up on it (a crash), until it joins the group again. */
export interface ConsumerHealth {
  state: 'starting' | 'running' | 'restarting' | 'stopped'
  restarts: number
  lastCrash: { at: number; message: string } | null
  nextRestartAt: number | null
}

export interface IngestHealth {
  /** `error` when a partition is stuck or the consumer is down: what a probe alerts on (docs/kafka.md). */
  status: 'ok' | 'error'
  problems: string[]
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
  /** Kafka only. */
  consumer?: ConsumerHealth
  stuck: StuckPartition[]
}

const WINDOW_MS = 10_000

export class IngestMetrics {
  private readonly state: Omit<IngestHealth, 'status' | 'problems'>
  private readonly stuckPartitions = new Map<string, StuckPartition>()
  private readonly recent: { at: number; events: number }[] = []

  constructor(source: string) {
    this.state = {
      source,
      startedAt: Date.now(),
      eventsTotal: 0,
      deadLettersTotal: 0,
      deadLettersByReason: {},
      batchesTotal: 0,
      bytesTotal: 0,
      insertRetries: 0,
      lastInsertAt: null,
      lastError: null,
      eventsPerSec: 0,
      paused: false,
      lag: [],
      stuck: [],
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

  setConsumer(update: Partial<ConsumerHealth>) {
    this.state.consumer = { ...(this.state.consumer ?? { state: 'starting', restarts: 0, lastCrash: null, nextRestartAt: null }), ...update }
  }

  /** Records (again) that `partition` cannot get past `offset`. */
  partitionStuck(p: Omit<StuckPartition, 'since' | 'attempts'>, at = Date.now()) {
    const key = `${p.topic}/${p.partition}`
    const before = this.stuckPartitions.get(key)
    const same = before && before.offset === p.offset
    this.stuckPartitions.set(key, { ...p, error: p.error.slice(0, 500), since: same ? before.since : at, attempts: same ? before.attempts + 1 : 1 })
  }

  /** Forgets stuck partitions outside `assignment` (topic → partitions), after a rebalance. */
  retainStuck(assignment: Record<string, number[]>) {
    for (const [key, s] of this.stuckPartitions) if (!assignment[s.topic]?.includes(s.partition)) this.stuckPartitions.delete(key)
  }

  /** The partition got past where it was stuck (or is no longer ours). */
  partitionUnstuck(topic: string, partition: number) {
    this.stuckPartitions.delete(`${topic}/${partition}`)
  }

  snapshot(now = Date.now()): IngestHealth {
    while (this.recent.length > 0 && this.recent[0].at < now - WINDOW_MS) this.recent.shift()
    const span = Math.max(1_000, Math.min(WINDOW_MS, now - this.state.startedAt))
    const events = this.recent.reduce((sum, r) => sum + r.events, 0)
    const stuck = [...this.stuckPartitions.values()].map((s) => ({ ...s }))
    const h = { ...this.state, eventsPerSec: Math.round((events * 1000) / span), lag: [...this.state.lag], stuck }
    if (h.consumer) h.consumer = { ...h.consumer }
    const problems = healthProblems(h)
    return { ...h, status: problems.length ? 'error' : 'ok', problems }
  }
}

/** What makes a health snapshot an error, in words an operator can act on (also used for snapshots read back from the store). */
export function healthProblems(h: Pick<IngestHealth, 'consumer'> & { stuck?: StuckPartition[] }): string[] {
  const problems: string[] = []
  const c = h.consumer
  if (c && c.state === 'restarting') {
    problems.push(
      `Kafka consumer down since ${new Date(c.lastCrash?.at ?? 0).toISOString()} (${c.lastCrash?.message ?? 'crashed'}); restart ${c.restarts} ${c.nextRestartAt ? `due ${new Date(c.nextRestartAt).toISOString()}` : 'in progress'}`,
    )
  }
  for (const s of h.stuck ?? []) {
    problems.push(
      `${s.topic} partition ${s.partition} stuck at offset ${s.offset} (batch ${s.offset}-${s.lastOffset}, ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}): ${s.error}`,
    )
  }
  return problems
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

/**
 * One verdict over every ingest process: this app's own and those that
 * reported to ingest_status (server mode). Problems are recomputed from each
 * snapshot, so snapshots written before `status` existed count too.
 */
export function overallIngestStatus(
  local: IngestHealth | null,
  reported: { instance_id: string; health: IngestHealth }[],
): { status: 'ok' | 'error'; problems: string[] } {
  const all = reported.map((r) => ({ id: r.instance_id, h: r.health }))
  if (local && !all.some((p) => p.h.startedAt === local.startedAt)) all.unshift({ id: 'this app', h: local })
  const problems = all.flatMap((p) => healthProblems(p.h).map((m) => `${p.id}: ${m}`))
  return { status: problems.length ? 'error' : 'ok', problems }
}
