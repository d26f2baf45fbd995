import type { Admitted, Conversion, GrantRequest, RedisQuotaStore } from './redis-quota'

/**
 * What an allowance replica owes Redis, sent in one pipelined round trip per flush (RedisQuotaStore.exchange):
 * the requests admitted from allowances since the last flush (to become leases of their own), allowances given
 * back, and grants asked for. A flush that fails keeps its conversions for the next one, after RETRY_MS.
 */
export interface OutboxOptions<G extends { req: GrantRequest }> {
  redis: RedisQuotaStore
  requestLeaseMs: number
  allowanceLeaseMs: number
  flushMs: number
  log: (line: string) => void
  stats: { flushes: number; flushErrors: number; dropped: number }
  /** A conversion's result: the allowance's tokens left in Redis, -1 if it is gone. */
  converted: (c: Conversion, left: number, sentAt: number) => void
  granted: (g: G, got: { tokens: number; micros: number } | null, sentAt: number) => void
}

const MAX_PER_CALL = 256
const RETRY_MS = 500
const FAILURE_LOG_MS = 10_000
const MAX_PENDING = 200_000

export class AllowanceOutbox<G extends { req: GrantRequest }> {
  private pending = new Map<string, Conversion>()
  private grants: G[] = []
  private pendingCount = 0
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  /** After a failed flush the next waits this long, and the failure is logged once per FAILURE_LOG_MS. */
  private retryAt = 0
  private loggedAt = 0

  constructor(private readonly o: OutboxOptions<G>) {}

  /** A request admitted from an allowance, or (admitted null, release) the allowance given back. */
  queue(installId: string, allowanceId: string, admitted: Admitted | null, release: boolean) {
    let c = this.pending.get(allowanceId)
    if (!c) {
      c = { installId, allowanceId, admitted: [], release: false }
      this.pending.set(allowanceId, c)
    }
    if (admitted) {
      if (this.pendingCount >= MAX_PENDING) this.o.stats.dropped++
      else {
        c.admitted.push(admitted)
        this.pendingCount++
      }
    }
    c.release ||= release
    this.schedule()
  }

  grant(g: G) {
    this.grants.push(g)
    this.schedule()
  }

  private schedule() {
    this.timer ??= setTimeout(() => void this.flush(), Math.max(this.o.flushMs, this.retryAt - Date.now()))
  }

  /** Sends what is owed (one script call per MAX_PER_CALL installs); one flush at a time, in order. */
  flush(): Promise<void> {
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.flushNow())
    return this.flushing
  }

  private async flushNow() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.pending.size === 0 && this.grants.length === 0) return
    const conversions = [...this.pending.values()]
    const grants = this.grants
    this.pending = new Map()
    this.pendingCount = 0
    this.grants = []
    const batches: Conversion[][] = []
    for (let i = 0; i < conversions.length; i += MAX_PER_CALL) batches.push(conversions.slice(i, i + MAX_PER_CALL))
    const sentAt = Date.now()
    let res: Awaited<ReturnType<RedisQuotaStore['exchange']>>
    let threw = false
    try {
      res = await this.o.redis.exchange(
        batches,
        grants.map((g) => g.req),
        this.o.requestLeaseMs,
        this.o.allowanceLeaseMs,
      )
    } catch (err) {
      res = { left: batches.map(() => null), granted: grants.map(() => null) }
      threw = true
      this.failed(err as Error, conversions.length)
    }
    this.o.stats.flushes++
    batches.forEach((batch, i) => {
      const left = res.left[i]
      if (!left) {
        // Kept for the next flush: while Redis is away the allowances are not renewed, so local admission stops
        // within their lease and decisions answer 503 as every Redis decision does (service.ts).
        if (!threw) this.failed(new Error('conversion script failed'), batch.length)
        return this.requeue(batch)
      }
      batch.forEach((c, j) => this.o.converted(c, left[j], sentAt))
    })
    grants.forEach((g, j) => this.o.granted(g, res.granted[j], sentAt))
  }

  private requeue(batch: Conversion[]) {
    for (const c of batch) {
      for (const a of c.admitted) this.queue(c.installId, c.allowanceId, a, false)
      if (c.release) this.queue(c.installId, c.allowanceId, null, true)
    }
  }

  private failed(err: Error, installs: number) {
    this.o.stats.flushErrors++
    this.retryAt = Date.now() + RETRY_MS
    if (Date.now() - this.loggedAt > FAILURE_LOG_MS) {
      this.loggedAt = Date.now()
      this.o.log(`[enforcer] allowance flush failed (${installs} installs kept for the next): ${err.message}`)
    }
  }
}
