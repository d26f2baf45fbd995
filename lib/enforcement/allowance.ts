import { DAY_MS, type QuotaStore, type ReserveRequest, type ReserveResult, type SettleResult, type Usage } from './quota'
import { AllowanceOutbox } from './allowance-outbox'
import type { Admitted, Conversion, GrantRequest, RedisQuotaStore } from './redis-quota'

/**
 * Quotas in Redis, admitted locally from allowances. An install that calls this replica again and again gets an
 * allowance: a slice of its budget (about `requests` worst cases, at most a quarter of what is left) that Redis
 * sets aside for this replica as a lease (redis-allowance-scripts.ts GRANT). Requests whose worst case fits in it are
 * admitted without a round trip; every few milliseconds one call turns them into leases of their own, which any
 * replica's event settles, and renews the allowances in use (CONVERT). Budgets stay exact across replicas, since
 * what every replica may still admit is reserved in Redis. A replica refused while others hold allowances asks
 * for them back and tries once more (afterReclaim); for an allowance lease after such a refusal none is granted.
 * Streams always go to Redis: their slots are counted there, one by one. docs/enforcer.md, "Allowances".
 */
export interface AllowanceOptions {
  /** Worst cases of the requests that got an allowance that it is sized for. */
  requests: number
  /** Request leases: ENFORCER_LEASE_MS. */
  requestLeaseMs: number
  /** Tags this replica's allowance ids. */
  replica: string
  log: (line: string) => void
  /** Tests only: shorter than ALLOWANCE_LEASE_MS and ALLOWANCE_IDLE_MS. */
  allowanceLeaseMs?: number
  idleMs?: number
}

/** An allowance's lease in Redis: renewed by each flush that uses it, so only a stalled or dead replica's runs out. */
export const ALLOWANCE_LEASE_MS = 10_000
/** An allowance unused this long is given back: the budget it holds is then the other replicas' again. */
export const ALLOWANCE_IDLE_MS = 5_000
/** How often admitted requests become leases in Redis: one round trip per flush, however many installs. */
export const ALLOWANCE_FLUSH_MS = 5
/** Redis grants at most 1/SHARE of what is left of each quota. */
const SHARE = 4
/** Local validity ends this long before Redis's lease can (flushes renew from their send time, so earlier still). */
const MARGIN_MS = 1_000
/** How long a request refused while others held allowances waits for them to be given back: a few flushes. */
const RECLAIM_WAIT_MS = 4 * ALLOWANCE_FLUSH_MS

interface Held {
  id: string
  limitsKey: string
  day: number
  tokens: number
  micros: number
  targetTokens: number
  targetMicros: number
  validUntil: number
  lastUse: number
}
interface PendingGrant {
  st: InstallState
  key: string
  day: number
  want: { tokens: number; micros: number }
  req: GrantRequest
}
interface InstallState {
  held: Held | null
  granting: boolean
  lastMiss: number
}

export interface AllowanceStats {
  local: number
  remote: number
  grants: number
  flushes: number
  flushErrors: number
  dropped: number
  /** Refusals retried after asking the holders of allowances to give them back. */
  reclaims: number
}

const limitsKey = (r: ReserveRequest) =>
  `${r.limits.tokensPerMinute}|${r.limits.tokensPerDay}|${r.limits.spendPerDayMicros}|${r.price?.input}|${r.price?.output}`

export class AllowanceQuotaStore implements QuotaStore {
  readonly kind = 'redis'
  readonly stats: AllowanceStats = { local: 0, remote: 0, grants: 0, flushes: 0, flushErrors: 0, dropped: 0, reclaims: 0 }
  private installs = new Map<string, InstallState>()
  private readonly outbox: AllowanceOutbox<PendingGrant>
  private sweeper: NodeJS.Timeout
  private seq = 0
  private readonly prefix: string
  private readonly leaseMs: number
  private readonly idleMs: number
  private readonly marginMs: number

  constructor(
    private readonly redis: RedisQuotaStore,
    private readonly o: AllowanceOptions,
  ) {
    this.leaseMs = o.allowanceLeaseMs ?? ALLOWANCE_LEASE_MS
    this.idleMs = o.idleMs ?? ALLOWANCE_IDLE_MS
    this.marginMs = Math.min(MARGIN_MS, this.leaseMs / 4)
    this.prefix = `~allowance:${o.replica}:${Date.now().toString(36)}:`
    this.outbox = new AllowanceOutbox<PendingGrant>({
      redis,
      requestLeaseMs: o.requestLeaseMs,
      allowanceLeaseMs: this.leaseMs,
      flushMs: ALLOWANCE_FLUSH_MS,
      log: o.log,
      stats: this.stats,
      converted: (c, left, sentAt) => this.converted(c, left, sentAt),
      granted: (g, got, sentAt) => this.granted(g, got, sentAt),
    })
    this.sweeper = setInterval(() => this.sweep(Date.now()), 1_000)
    this.sweeper.unref()
    this.redis.onReclaim((installId) => void this.giveBack(installId)).catch(() => {}) // CONVERT reclaims without it
  }

  /** Another replica was refused a quota of this install: the allowance held for it goes back now. */
  private giveBack(installId: string): Promise<void> {
    const st = this.installs.get(installId)
    if (!st?.held) return Promise.resolve()
    this.queue(installId, st.held.id, null, true)
    st.held = null
    return this.flush()
  }

  async reserve(r: ReserveRequest, nowMs = Date.now()): Promise<ReserveResult> {
    if (r.stream || this.o.requests <= 0) return this.redis.reserve(r)
    const tokens = r.contextTokens + r.wantOutput
    const micros = r.price ? (r.contextTokens * r.price.input + r.wantOutput * r.price.output) / 1e6 : 0
    const key = limitsKey(r)
    const day = Math.floor(nowMs / DAY_MS)
    let st = this.installs.get(r.installId)
    const h = st?.held
    if (h) {
      if (h.limitsKey !== key || h.day !== day || nowMs >= h.validUntil) {
        // The quota changed, the day turned or the lease may have run out: what is left goes back.
        this.queue(r.installId, h.id, null, true)
        st!.held = null
      } else if (h.tokens >= tokens && h.micros >= micros) {
        h.tokens -= tokens
        h.micros -= micros
        h.lastUse = nowMs
        this.queue(r.installId, h.id, { leaseId: r.leaseId, tokens, micros }, false)
        if (h.tokens < h.targetTokens / 2 || h.micros < h.targetMicros / 2) this.grant(r.installId, st!, r, tokens, micros, key, day)
        this.stats.local++
        return { ok: true, outputTokens: r.wantOutput, reservedTokens: tokens, reservedMicros: micros }
      }
    }
    let res = await this.redis.reserve(r)
    this.stats.remote++
    if (!res.ok && res.heldElsewhere) res = await this.afterReclaim(r, st?.held ?? null)
    if (!st) {
      st = { held: null, granting: false, lastMiss: -Infinity }
      this.installs.set(r.installId, st)
    }
    // An allowance for an install seen twice within the idle time: one call alone is cheaper sent on its own.
    if (res.ok && (st.held || nowMs - st.lastMiss < this.idleMs)) this.grant(r.installId, st, r, tokens, micros, key, day)
    st.lastMiss = nowMs
    return res
  }

  /**
   * Refused while allowances may hold the budget: Redis has asked their holders to give them back (at once on
   * br:reclaim, or with their next flush if that message is lost), so the request is tried once more after
   * RECLAIM_WAIT_MS. This replica's own allowance, too small for this request, goes back at once.
   */
  private async afterReclaim(r: ReserveRequest, own: Held | null): Promise<ReserveResult> {
    this.stats.reclaims++
    if (own && this.installs.get(r.installId)?.held === own) {
      await this.giveBack(r.installId)
    }
    await new Promise((resolve) => setTimeout(resolve, RECLAIM_WAIT_MS))
    return this.redis.reserve(r)
  }

  /** Asks Redis for (more) allowance, off the decision's path: sent with the next flush. */
  private grant(installId: string, st: InstallState, r: ReserveRequest, tokens: number, micros: number, key: string, day: number) {
    if (st.granting) return
    st.granting = true
    const want = { tokens: tokens * this.o.requests, micros: micros * this.o.requests }
    this.outbox.grant({
      st,
      key,
      day,
      want,
      req: {
        installId,
        allowanceId: st.held?.id ?? `${this.prefix}${(this.seq++).toString(36)}`,
        tokens: want.tokens,
        micros: want.micros,
        limits: r.limits,
        share: SHARE,
        minTokens: tokens,
        minMicros: micros,
        leaseMs: this.leaseMs,
      },
    })
  }

  /** A flush's word on an allowance: renewed from the send time, or gone in Redis (admit no more from it). */
  private converted(c: Conversion, left: number, sentAt: number) {
    const st = this.installs.get(c.installId)
    const h = st?.held
    if (!h || h.id !== c.allowanceId) return
    if (left < 0) st.held = null
    else h.validUntil = sentAt + this.leaseMs - this.marginMs
  }

  private queue(installId: string, allowanceId: string, admitted: Admitted | null, release: boolean) {
    this.outbox.queue(installId, allowanceId, admitted, release)
  }

  /** Sends what was admitted locally to Redis now (tests; otherwise every ALLOWANCE_FLUSH_MS). */
  flush(): Promise<void> {
    return this.outbox.flush()
  }

  /** What Redis granted, applied to the allowance it was asked for (or given back if that is gone meanwhile). */
  private granted(g: PendingGrant, got: { tokens: number; micros: number } | null, sentAt: number) {
    const { st, req } = g
    st.granting = false
    if (!got || got.tokens <= 0) return
    this.stats.grants++
    const validUntil = sentAt + this.leaseMs - this.marginMs
    if (st.held?.id === req.allowanceId) {
      st.held.tokens += got.tokens
      st.held.micros += got.micros
      st.held.validUntil = validUntil
    } else if (!st.held && this.installs.get(req.installId) === st) {
      st.held = {
        id: req.allowanceId,
        limitsKey: g.key,
        day: g.day,
        tokens: got.tokens,
        micros: got.micros,
        targetTokens: g.want.tokens,
        targetMicros: g.want.micros,
        validUntil,
        lastUse: sentAt,
      }
    } else this.queue(req.installId, req.allowanceId, null, true) // dropped meanwhile: given back
  }

  private sweep(nowMs: number) {
    for (const [installId, st] of this.installs) {
      const h = st.held
      if (h && (nowMs - h.lastUse > this.idleMs || nowMs >= h.validUntil)) {
        this.queue(installId, h.id, null, true)
        st.held = null
      }
      if (!st.held && !st.granting && nowMs - st.lastMiss > this.idleMs) this.installs.delete(installId)
    }
  }

  settle(installId: string, leaseId: string, used: Usage): Promise<SettleResult> {
    return this.redis.settle(installId, leaseId, used)
  }

  renew(installId: string, leaseId: string, leaseMs: number): Promise<boolean> {
    return this.redis.renew(installId, leaseId, leaseMs)
  }

  openStreams(installId: string): Promise<number> {
    return this.redis.openStreams(installId)
  }

  /** Gives every allowance back, then closes Redis. */
  async close() {
    clearInterval(this.sweeper)
    for (const [installId, st] of this.installs) if (st.held) this.queue(installId, st.held.id, null, true)
    this.installs.clear()
    await this.flush().catch(() => {})
    await this.redis.close()
  }
}
