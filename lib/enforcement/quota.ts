/**
 * Reservations against an install's quotas (tokens/min, tokens/day,
 * spend/day, open streams). An admitted request reserves its worst case
 * before it runs: its context plus the most output it may produce, at the
 * model's catalogued price. The output it may produce is cut to what is left
 * of every quota, so admitted requests together never reserve more than the
 * quota (the gateway enforces the output cap it is told). The gateway's own
 * event for the request settles the reservation to what was used; a lease that
 * no event settles is released when it runs out.
 *
 * Two stores, one algorithm: MemoryQuotaStore (one replica) and
 * RedisQuotaStore (Lua, exact across replicas; redis-quota.ts mirrors this file).
 */
export interface Limits {
  tokensPerMinute?: number
  tokensPerDay?: number
  spendPerDayMicros?: number
  maxConcurrentStreams?: number
}

/** Micro-dollars per million tokens (lib/pricing). */
export interface Price {
  input: number
  output: number
}

export interface ReserveRequest {
  installId: string
  leaseId: string
  contextTokens: number
  /** Most output tokens the request could produce before quotas (client ask, policy caps, default). */
  wantOutput: number
  stream: boolean
  limits: Limits
  /** Null: the model has no catalogued price (the caller refuses spend-limited installs first). */
  price: Price | null
  leaseMs: number
}

export type QuotaKind = 'tokensPerMinute' | 'tokensPerDay' | 'spendPerDayMicros' | 'maxConcurrentStreams'

export type ReserveResult =
  | { ok: true; outputTokens: number; reservedTokens: number; reservedMicros: number }
  /** heldElsewhere: Redis refused while another replica may hold part of the budget as an allowance (allowance.ts). */
  | { ok: false; kind: QuotaKind; retryAfterMs: number; heldElsewhere?: boolean }

export interface Usage {
  tokens: number
  micros: number
}

/** settled: reservation adjusted to usage; late: the lease had run out, usage charged in full; duplicate: already settled. */
export type SettleResult = 'settled' | 'late' | 'duplicate'

export interface QuotaStore {
  readonly kind: 'memory' | 'redis'
  reserve(r: ReserveRequest, nowMs?: number): Promise<ReserveResult>
  settle(installId: string, leaseId: string, used: Usage, nowMs?: number): Promise<SettleResult>
  /** Extends a live lease (an open stream's heartbeat). False if it is gone. */
  renew(installId: string, leaseId: string, leaseMs: number, nowMs?: number): Promise<boolean>
  /** Open stream leases of an install (for tests and health). */
  openStreams(installId: string, nowMs?: number): Promise<number>
  close(): Promise<void>
}

export const DAY_MS = 86_400_000
/** How long a settled lease id is remembered, so a re-sent event is not charged twice. */
export const SETTLED_MEMORY_MS = DAY_MS
const untilMidnight = (nowMs: number) => DAY_MS - (nowMs % DAY_MS)

interface Lease {
  tokens: number
  micros: number
  day: number
  exp: number
  stream: boolean
}
interface State {
  bucket: number | null
  at: number
  cap: number
  day: number
  dayTokens: number
  daySpend: number
  leases: Map<string, Lease>
  settled: Map<string, number>
  touched: number
  /** No lease runs out before this: the expiry scan is skipped until then (it was a walk over every lease on every decision). */
  nextExp: number
}

export class MemoryQuotaStore implements QuotaStore {
  readonly kind = 'memory'
  private installs = new Map<string, State>()

  private state(installId: string, nowMs: number): State {
    let s = this.installs.get(installId)
    if (!s) {
      s = {
        bucket: null,
        at: nowMs,
        cap: 0,
        day: Math.floor(nowMs / DAY_MS),
        dayTokens: 0,
        daySpend: 0,
        leases: new Map(),
        settled: new Map(),
        touched: nowMs,
        nextExp: Infinity,
      }
      this.installs.set(installId, s)
      if (this.installs.size > 200_000) this.prune(nowMs)
    }
    const day = Math.floor(nowMs / DAY_MS)
    if (day !== s.day) Object.assign(s, { day, dayTokens: 0, daySpend: 0 })
    s.touched = nowMs
    if (s.nextExp <= nowMs) {
      let next = Infinity
      for (const [id, l] of s.leases) {
        if (l.exp <= nowMs) {
          this.refund(s, l)
          s.leases.delete(id)
        } else if (l.exp < next) next = l.exp
      }
      s.nextExp = next
    }
    return s
  }

  private prune(nowMs: number) {
    for (const [id, s] of this.installs) if (s.leases.size === 0 && nowMs - s.touched > 600_000) this.installs.delete(id)
  }

  private refund(s: State, l: Lease) {
    if (l.day !== s.day) return
    s.dayTokens -= l.tokens
    s.daySpend -= l.micros
    if (s.bucket !== null) s.bucket = Math.min(s.cap, s.bucket + l.tokens)
  }

  async reserve(r: ReserveRequest, nowMs = Date.now()): Promise<ReserveResult> {
    const s = this.state(r.installId, nowMs)
    const { tokensPerMinute: tpm, tokensPerDay: tpd, spendPerDayMicros: spd, maxConcurrentStreams: maxStreams } = r.limits
    if (tpm !== undefined) {
      s.bucket = s.bucket === null ? tpm : Math.min(tpm, s.bucket + Math.max(0, nowMs - s.at) * (tpm / 60_000))
      s.cap = tpm
      s.at = Math.max(s.at, nowMs)
    }
    if (r.stream && maxStreams !== undefined) {
      const open = [...s.leases.values()].filter((l) => l.stream)
      if (open.length >= maxStreams)
        return { ok: false, kind: 'maxConcurrentStreams', retryAfterMs: open.length ? Math.max(1000, Math.min(...open.map((l) => l.exp)) - nowMs) : 60_000 }
    }
    const ctx = r.contextTokens
    const minOut = Math.min(1, r.wantOutput)
    let out = r.wantOutput
    if (tpd !== undefined) {
      const left = tpd - s.dayTokens
      if (left < ctx + minOut) return { ok: false, kind: 'tokensPerDay', retryAfterMs: untilMidnight(nowMs) }
      out = Math.min(out, left - ctx)
    }
    if (tpm !== undefined) {
      const bucket = s.bucket as number
      if (bucket < ctx + minOut) {
        const retryAfterMs = ctx + minOut > tpm ? 60_000 : Math.ceil((ctx + minOut - bucket) / (tpm / 60_000))
        return { ok: false, kind: 'tokensPerMinute', retryAfterMs }
      }
      out = Math.min(out, Math.floor(bucket - ctx))
    }
    if (spd !== undefined && r.price) {
      const left = spd - s.daySpend
      const ctxCost = (ctx * r.price.input) / 1e6
      if (left < ctxCost + (minOut * r.price.output) / 1e6) return { ok: false, kind: 'spendPerDayMicros', retryAfterMs: untilMidnight(nowMs) }
      if (r.price.output > 0) out = Math.min(out, Math.floor(((left - ctxCost) * 1e6) / r.price.output))
    }
    out = Math.max(0, out)
    const tokens = ctx + out
    const micros = r.price ? (ctx * r.price.input + out * r.price.output) / 1e6 : 0
    if (tpm !== undefined) s.bucket = (s.bucket as number) - tokens
    s.dayTokens += tokens
    s.daySpend += micros
    s.leases.set(r.leaseId, { tokens, micros, day: s.day, exp: nowMs + r.leaseMs, stream: r.stream })
    s.nextExp = Math.min(s.nextExp, nowMs + r.leaseMs)
    return { ok: true, outputTokens: out, reservedTokens: tokens, reservedMicros: micros }
  }

  async settle(installId: string, leaseId: string, used: Usage, nowMs = Date.now()): Promise<SettleResult> {
    const s = this.state(installId, nowMs)
    // Insertion order is settlement order: stop at the first id still remembered (was a walk over the whole day's ids per event).
    for (const [id, at] of s.settled) {
      if (nowMs - at <= SETTLED_MEMORY_MS) break
      s.settled.delete(id)
    }
    const l = s.leases.get(leaseId)
    if (!l && s.settled.has(leaseId)) return 'duplicate'
    const tokens = used.tokens - (l && l.day === s.day ? l.tokens : 0)
    const micros = used.micros - (l && l.day === s.day ? l.micros : 0)
    s.dayTokens += tokens
    s.daySpend += micros
    if (s.bucket !== null) s.bucket = Math.min(s.cap, s.bucket - tokens)
    s.leases.delete(leaseId)
    s.settled.set(leaseId, nowMs)
    return l ? 'settled' : 'late'
  }

  async renew(installId: string, leaseId: string, leaseMs: number, nowMs = Date.now()): Promise<boolean> {
    const l = this.state(installId, nowMs).leases.get(leaseId)
    if (l) l.exp = nowMs + leaseMs // later than before: nextExp stays a lower bound (a scan may come early, never late)
    return Boolean(l)
  }

  async openStreams(installId: string, nowMs = Date.now()): Promise<number> {
    return [...this.state(installId, nowMs).leases.values()].filter((l) => l.stream).length
  }

  async close() {}
}
