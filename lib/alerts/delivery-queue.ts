/**
 * Background delivery of notification requests with exponential backoff.
 * `push` never waits on the network, so a slow or dead receiver cannot hold up
 * detection or a user's action. Requests with the same `orderKey` (one
 * incident at one receiver) go out one at a time in the order pushed, so a
 * retried trigger can never land after the acknowledge that followed it.
 */

export interface DeliveryAttempt {
  alertId: string
  target: string
  attempt: number
  status: number
  ok: boolean
  error: string
  at: number
}

export interface DeliveryOptions {
  maxAttempts: number
  /** First retry delay; doubles each attempt, with ±20% jitter, capped at maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  timeoutMs?: number
  /** Oldest deliveries are dropped beyond this, with a log line. */
  maxQueue?: number
  log?: (line: string) => void
  onAttempt?: (r: DeliveryAttempt) => void
}

export interface DeliveryRequest {
  /** The incident (or alert) the request is about: recorded with each attempt. */
  subjectId: string
  orderKey: string
  url: string
  body: string
  headers: Record<string, string>
  /**
   * Headers computed again for each attempt (a timestamped signature): a retry
   * or a delivery that waited in the queue must carry the time it is sent, or
   * a receiver that refuses old timestamps takes it for a replay.
   */
  headersAtSend?: (body: string) => Record<string, string>
  /** Name of the receiver in logs; never the URL's secret parts. */
  label: string
}

interface Job extends DeliveryRequest {
  seq: number
  attempt: number
  dueAt: number
}

export class DeliveryQueue {
  private queue: Job[] = []
  private seq = 0
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private stopped = false
  private readonly o: Required<Omit<DeliveryOptions, 'onAttempt'>> & Pick<DeliveryOptions, 'onAttempt'>

  constructor(opts: DeliveryOptions) {
    this.o = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, timeoutMs: 10_000, maxQueue: 1_000, log: () => {}, ...opts }
  }

  get pending(): number {
    return this.queue.length
  }

  push(r: DeliveryRequest): boolean {
    if (this.stopped) return false
    if (this.queue.length >= this.o.maxQueue) {
      const dropped = this.queue.shift()!
      this.o.log(`[alerts] ${dropped.label} queue full: dropped delivery for ${dropped.subjectId}`)
    }
    this.queue.push({ ...r, seq: this.seq++, attempt: 0, dueAt: 0 })
    this.schedule(0)
    return true
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.inFlight) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.inFlight = this.drain().finally(() => {
        this.inFlight = null
        const next = Math.min(...this.queue.map((j) => j.dueAt))
        if (Number.isFinite(next)) this.schedule(Math.max(0, next - Date.now()))
      })
    }, delayMs)
    this.timer.unref?.()
  }

  private async drain(): Promise<void> {
    const now = Date.now()
    const blocked = new Set<string>()
    const due: Job[] = []
    for (const j of [...this.queue].sort((a, b) => a.seq - b.seq)) {
      if (blocked.has(j.orderKey)) continue
      blocked.add(j.orderKey)
      if (j.dueAt <= now) due.push(j)
    }
    this.queue = this.queue.filter((j) => !due.includes(j))
    await Promise.all(due.map((j) => this.deliver(j)))
  }

  private async deliver(job: Job): Promise<void> {
    job.attempt += 1
    let status = 0
    let error = ''
    try {
      const res = await fetch(job.url, {
        method: 'POST',
        headers: job.headersAtSend ? { ...job.headers, ...job.headersAtSend(job.body) } : job.headers,
        body: job.body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'error',
      })
      status = res.status
      await res.arrayBuffer().catch(() => undefined)
      if (!res.ok) error = `HTTP ${res.status}`
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
    }
    const ok = error === ''
    this.o.onAttempt?.({ alertId: job.subjectId, target: job.label, attempt: job.attempt, status, ok, error, at: Date.now() })
    if (ok) return
    // 4xx other than 408/429 will not succeed on retry: the payload or URL is wrong.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429
    if (permanent || job.attempt >= this.o.maxAttempts) {
      this.o.log(`[alerts] ${job.label} delivery for ${job.subjectId} failed after ${job.attempt} attempt(s): ${error}`)
      return
    }
    const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (job.attempt - 1))
    job.dueAt = Date.now() + backoff * (0.8 + Math.random() * 0.4)
    this.queue.push(job)
  }

  /** Waits up to `timeoutMs` for queued deliveries (tests, graceful shutdown), then stops. */
  async stop(timeoutMs = 2_000): Promise<void> {
    await this.idle(timeoutMs)
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.inFlight
  }

  /** Resolves once nothing is queued or in flight (or after timeoutMs). */
  async idle(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while ((this.queue.length || this.inFlight) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  }
}
