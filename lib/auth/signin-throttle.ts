/**
 * Brute-force brake for password sign-in: a sliding window of attempts per
 * key, in process memory. Several app replicas each keep their own counts,
 * which multiplies the budget by the replica count but still turns an online
 * guessing attack from thousands of tries per minute into a handful.
 */

export interface LimiterOptions {
  /** Attempts allowed inside one window. */
  limit: number
  windowMs: number
  /** Keys remembered at most; the least recently touched go first. */
  maxKeys: number
}

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number }

export class SlidingWindowLimiter {
  // Map iteration order is insertion order; touching a key re-inserts it, so
  // the first key is always the least recently used one to evict.
  private readonly hits = new Map<string, number[]>()

  constructor(readonly opts: LimiterOptions) {}

  get size(): number {
    return this.hits.size
  }

  private recent(key: string, now: number): number[] {
    const all = this.hits.get(key)
    if (!all) return []
    const live = all.filter((t) => t > now - this.opts.windowMs)
    if (live.length === 0) this.hits.delete(key)
    return live
  }

  /** Would one more attempt be allowed? Records nothing. */
  check(key: string, now = Date.now()): Verdict {
    const live = this.recent(key, now)
    if (live.length < this.opts.limit) return { ok: true }
    // Only the newest `limit` hits are ever kept, so the oldest one decides when a slot frees up.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((live[0] + this.opts.windowMs - now) / 1000)) }
  }

  /** Records an attempt. At most `limit` timestamps are kept per key, which bounds memory per key. */
  hit(key: string, now = Date.now()): void {
    const live = this.recent(key, now)
    live.push(now)
    if (live.length > this.opts.limit) live.splice(0, live.length - this.opts.limit)
    this.hits.delete(key)
    this.hits.set(key, live)
    while (this.hits.size > this.opts.maxKeys) this.hits.delete(this.hits.keys().next().value as string)
  }

  /** Takes back the newest attempt (one that turned out fine). */
  undo(key: string): void {
    const all = this.hits.get(key)
    if (!all) return
    all.pop()
    if (all.length === 0) this.hits.delete(key)
  }

  reset(key: string): void {
    this.hits.delete(key)
  }

  clear(): void {
    this.hits.clear()
  }
}

// Ten wrong passwords per account per quarter hour stops guessing without
// locking out someone who mistypes a few times; an address gets more because
// an office or a NAT shares one.
export const USER_FAILURE_LIMIT = 10
export const IP_FAILURE_LIMIT = 30
const FAILURE_WINDOW_MS = 15 * 60_000
// ~10k keys x 30 timestamps is a few MB at worst, whatever an attacker sends.
const MAX_TRACKED_KEYS = 10_000

interface SigninLimiters { byUser: SlidingWindowLimiter; byIp: SlidingWindowLimiter }

// On globalThis so dev-mode module reloads do not hand an attacker a fresh budget.
const KEY = Symbol.for('burnrate.auth.signin-throttle')
type G = typeof globalThis & { [KEY]?: SigninLimiters }

export function signinLimiters(): SigninLimiters {
  const g = globalThis as G
  return (g[KEY] ??= {
    byUser: new SlidingWindowLimiter({ limit: USER_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: MAX_TRACKED_KEYS }),
    byIp: new SlidingWindowLimiter({ limit: IP_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: MAX_TRACKED_KEYS }),
  })
}

/**
 * Claims one attempt for this user name and client, before the password is
 * checked. Claiming up front (not counting after the fact) matters: parallel
 * requests would otherwise all pass the check while the slow hash runs.
 * Without a known client address only the per-name budget applies; one shared
 * "unknown" bucket would let anyone lock everybody out.
 */
export function claimSigninAttempt(userName: string, ip: string | null, now = Date.now()): Verdict {
  const { byUser, byIp } = signinLimiters()
  const verdicts = [byUser.check(userName, now), ip ? byIp.check(ip, now) : { ok: true as const }]
  const blocked = verdicts.filter((v): v is Extract<Verdict, { ok: false }> => !v.ok)
  if (blocked.length) return { ok: false, retryAfterSeconds: Math.max(...blocked.map((v) => v.retryAfterSeconds)) }
  byUser.hit(userName, now)
  if (ip) byIp.hit(ip, now)
  return { ok: true }
}

/** A correct password: the name's count starts over and the attempt is not held against the address. */
export function signinSucceeded(userName: string, ip: string | null): void {
  const { byUser, byIp } = signinLimiters()
  byUser.reset(userName)
  if (ip) byIp.undo(ip)
}
