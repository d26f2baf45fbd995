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
// an office or a NAT shares one. A known browser (device cookie) has its own
// budget of the same size.
export const USER_FAILURE_LIMIT = 10
export const IP_FAILURE_LIMIT = 30
export const DEVICE_FAILURE_LIMIT = 10
const FAILURE_WINDOW_MS = 15 * 60_000
// ~10k keys x 30 timestamps is a few MB at worst, whatever an attacker sends.
const MAX_TRACKED_KEYS = 10_000

interface SigninLimiters {
  byUser: SlidingWindowLimiter
  byIp: SlidingWindowLimiter
  byDevice: SlidingWindowLimiter
}

// On globalThis so dev-mode module reloads do not hand an attacker a fresh budget.
const KEY = Symbol.for('burnrate.auth.signin-throttle')
type G = typeof globalThis & { [KEY]?: SigninLimiters }

export function signinLimiters(): SigninLimiters {
  const g = globalThis as G
  const l = (g[KEY] ??= {} as SigninLimiters)
  l.byUser ??= new SlidingWindowLimiter({ limit: USER_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: MAX_TRACKED_KEYS })
  l.byIp ??= new SlidingWindowLimiter({ limit: IP_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: MAX_TRACKED_KEYS })
  l.byDevice ??= new SlidingWindowLimiter({ limit: DEVICE_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: MAX_TRACKED_KEYS })
  return l
}

/** Who is trying: the typed name, the client address prefix when trustworthy, the known-browser id when valid for that name. */
export interface SigninAttempt {
  userName: string
  ip: string | null
  device?: string | null
}

function firstBlocked(verdicts: Verdict[]): Verdict {
  const blocked = verdicts.filter((v): v is Extract<Verdict, { ok: false }> => !v.ok)
  return blocked.length ? { ok: false, retryAfterSeconds: Math.max(...blocked.map((v) => v.retryAfterSeconds)) } : { ok: true }
}

/**
 * Claims one attempt, before the password is checked. Claiming up front (not
 * counting after the fact) matters: parallel requests would otherwise all pass
 * the check while the slow hash runs.
 *  - From a browser that signed in as this user before: only that browser's own
 *    budget applies, so strangers failing on the name (or sharing the address)
 *    cannot lock the owner out (issue 18, F2).
 *  - Otherwise: the name's budget and the address's budget (F1). Without a
 *    known client address only the name's applies; one shared "unknown" bucket
 *    would let anyone lock everybody out.
 */
export function claimSigninAttempt(a: SigninAttempt, now = Date.now()): Verdict {
  const { byUser, byIp, byDevice } = signinLimiters()
  if (a.device) {
    const v = byDevice.check(a.device, now)
    if (v.ok) byDevice.hit(a.device, now)
    return v
  }
  const v = firstBlocked([byUser.check(a.userName, now), a.ip ? byIp.check(a.ip, now) : { ok: true }])
  if (!v.ok) return v
  byUser.hit(a.userName, now)
  if (a.ip) byIp.hit(a.ip, now)
  return { ok: true }
}

/** A correct password: the name's and the browser's counts start over and the attempt is not held against the address. */
export function signinSucceeded(a: SigninAttempt): void {
  const { byUser, byIp, byDevice } = signinLimiters()
  byUser.reset(a.userName)
  if (a.device) byDevice.reset(a.device)
  else if (a.ip) byIp.undo(a.ip)
}
