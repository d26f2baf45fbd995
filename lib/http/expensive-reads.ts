import type { Principal } from '../auth/roles'
import { SlidingWindowLimiter } from '../auth/signin-throttle'
import { HttpError } from '../errors'

/**
 * A per-user budget for reads that scan a lot (prompt-size histogram over
 * weeks, detector rankings). Any viewer may run them, and each can keep the
 * store busy for seconds; the 30 s max_execution_time bounds one, this bounds
 * how many one user fires. Dashboard polling of a page stays well inside:
 * it refreshes each panel every few seconds at most, one request per panel.
 * Gateway tokens are not dashboards and never reach these routes.
 */
export const EXPENSIVE_READS_PER_MINUTE = 60

const KEY = Symbol.for('burnrate.http.expensiveReads')
type G = typeof globalThis & { [KEY]?: SlidingWindowLimiter }
export const expensiveReadLimiter = (): SlidingWindowLimiter =>
  ((globalThis as G)[KEY] ??= new SlidingWindowLimiter({ limit: EXPENSIVE_READS_PER_MINUTE, windowMs: 60_000, maxKeys: 10_000 }))

/** Counts one expensive read for this user; 429 with Retry-After when the budget is spent. */
export function chargeExpensiveRead(p: Principal, now = Date.now()): void {
  const limiter = expensiveReadLimiter()
  const verdict = limiter.check(p.userId, now)
  if (!verdict.ok) {
    throw new HttpError(429, `too many expensive reads; try again in ${verdict.retryAfterSeconds} s`, { retryAfterSeconds: verdict.retryAfterSeconds })
  }
  limiter.hit(p.userId, now)
}

/** Ranges up to this long are the dashboard's everyday views and are not charged. */
export const CHEAP_RANGE_MS = 7 * 86_400_000
