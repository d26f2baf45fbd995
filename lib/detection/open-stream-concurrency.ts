import type { OpenStream } from './open-streams'
import type { DetectionSettings } from './settings'
import { binomialLogTail, lowerBound, zFromLogTail } from './stats'
import { windowHeldLogP, type HeldInterval } from './held-window-streams'

/**
 * Many long streams held open at once by one install, judged while they run.
 *
 * The gateway reports a stream once it has run 30 s (`stream_progress`), so
 * every stream in the open list has run at least that long. A phone's UI
 * streams one answer at a time; a second one is open beside it only when the
 * user switches chats during a long answer and the new answer runs long too.
 * An install holding k such streams at once for minutes is a script burning
 * output budget.
 *
 * Statistic: the largest set of the install's reported streams that were
 * certainly open at one moment (each started before, and was reported after,
 * the youngest one's start), k of them, with elapsed times e₁ ≥ … ≥ e_k.
 *
 * Null (one phone): beside a long answer, each further long stream is open
 * with chance q, and a stream already open 30 s lasts to e with chance S(e).
 * The longest stream is the phone's own; the k − 1 youngest are the extra
 * ones (the assignment that makes the install look most ordinary), so
 *
 *   ln p = (k − 1)·ln q + Σ_{j=2..k} ln S(e_j),   z = Φ⁻¹(1 − p).
 *
 * This is "long AND many" as one likelihood: many streams that each closed
 * soon weigh only q each, two streams open for minutes weigh little more.
 *
 * q: prior `openStreamPairRate` (a user switching chats during a long answer,
 * about 1 in 5, times the new answer running long too, about 1 in 10: 0.02),
 * or the tenant's own rate where its installs show a higher one: the share of
 * its installs with a reported stream that hold two or more at once (the
 * scored install left out), taken at its lower 99 % confidence bound, so that
 * one chat switch, or a second script, in a tenant where few streams run long
 * cannot vouch for the scored install. An app that streams several answers at
 * once by design shows it in many installs and lifts q there.
 *
 * S(e): prior exp(−(e − 30 s)/`openStreamTailMs`) (a long answer is bounded by
 * the model's output limit and the gateway's 60 s idle timeout: about a
 * minute more), or, where higher, the tenant's own: the share of its installs
 * whose longest closed stream in the window reached e among those whose
 * longest reached 30 s (again without the scored install, at its lower 99 %
 * bound). The tenant's data can only make long or parallel streams more
 * ordinary, never less, so a small tenant is judged by the priors alone.
 */
export const FIRST_REPORT_MS = 30_000
/** A tenant's own rate replaces a prior only as far as it is shown at this confidence (one-sided). */
export const RATE_CONFIDENCE = 0.99

/** Lower one-sided confidence bound of a rate seen k times in n (Clopper-Pearson): the rate the data show at least. */
export function rateAtLeast(k: number, n: number, confidence = RATE_CONFIDENCE): number {
  if (k <= 0 || n <= 0) return 0
  const lnAlpha = Math.log(1 - confidence)
  let lo = 0
  let hi = Math.min(1, k / n)
  // P(X ≥ k | n, q) grows with q: the bound is the q where it reaches 1 − confidence.
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2
    if (binomialLogTail(k, n, mid) < lnAlpha) lo = mid
    else hi = mid
  }
  return lo
}

export interface OpenConcurrency {
  /** Streams certainly open at one moment, each reported (open ≥ 30 s). */
  streams: number
  /** Elapsed time of the youngest of them. */
  youngestMs: number
  /** Chance of a further long stream beside one, as used (prior or the tenant's). */
  pairRate: number
  z: number
  /** The window's reading (held-window-streams.ts), when its streams were read: reported streams, extras, z. */
  window?: { streams: number; extras: number; z: number }
}

type Settings = Pick<DetectionSettings, 'openStreamPairRate' | 'openStreamTailMs'>

/** The largest set of streams all open at one moment: [start, last report] intervals, sorted by elapsed, longest first. */
export function heldAtOnce(streams: readonly Pick<OpenStream, 'start_ms' | 'last_ms' | 'elapsed_ms'>[]): number[] {
  let best: number[] = []
  for (const at of streams) {
    const t = at.start_ms
    const held = streams.filter((s) => s.start_ms <= t && s.last_ms >= t).map((s) => s.elapsed_ms)
    if (held.length > best.length || (held.length === best.length && Math.min(...held) > Math.min(...best))) best = held
  }
  return best.sort((a, b) => b - a)
}

/** ln p of holding these streams at once (elapsed, longest first) under the one-phone null. */
export function heldLogP(elapsed: readonly number[], pairRate: number, survival: (ms: number) => number): number {
  let lnP = 0
  for (let j = 1; j < elapsed.length; j++) lnP += Math.log(pairRate) + Math.log(survival(elapsed[j]))
  return lnP
}

export function priorSurvival(ms: number, tailMs: number): number {
  return Math.exp(-Math.max(0, ms - FIRST_REPORT_MS) / tailMs)
}

/**
 * Scores every install of `open` that holds two or more reported streams at
 * once. `closedLongest`: each install's longest stream closed in the window
 * (before open streams are merged in), the tenant's sample of long streams.
 * `windowStreams` (tenant\0install): those installs' streams reported over the
 * window, judged as a whole (held-window-streams.ts); the install's z is the
 * higher of the two readings.
 */
export function scoreOpenConcurrency(
  open: readonly OpenStream[],
  closedLongest: readonly { tenant_id: string; install_id: string; max_duration_ms: number }[],
  s: Settings,
  windowStreams?: ReadonlyMap<string, readonly HeldInterval[]>,
): Map<string, OpenConcurrency> {
  const key = (tenant: string, install: string) => `${tenant}\u0000${install}`
  const byInstall = new Map<string, OpenStream[]>()
  for (const o of open) {
    const k = key(o.tenant_id, o.install_id)
    const list = byInstall.get(k)
    if (list) list.push(o)
    else byInstall.set(k, [o])
  }
  // Per tenant: installs with a reported stream, and those holding two or more at once.
  const held = new Map<string, number[]>()
  const tenants = new Map<string, { withOne: number; withTwo: number; longest: number[]; pairRate?: number }>()
  const tenantOf = (t: string) => tenants.get(t) ?? tenants.set(t, { withOne: 0, withTwo: 0, longest: [] }).get(t)!
  for (const [k, list] of byInstall) {
    const h = heldAtOnce(list)
    held.set(k, h)
    const t = tenantOf(list[0].tenant_id)
    t.withOne++
    if (h.length >= 2) t.withTwo++
  }
  const ownLongest = new Map<string, number>()
  for (const r of closedLongest) {
    if (r.max_duration_ms < FIRST_REPORT_MS) continue
    tenantOf(r.tenant_id).longest.push(r.max_duration_ms)
    ownLongest.set(key(r.tenant_id, r.install_id), r.max_duration_ms)
  }
  for (const t of tenants.values()) t.longest.sort((a, b) => a - b)

  const out = new Map<string, OpenConcurrency>()
  for (const [k, h] of held) {
    if (h.length < 2) continue
    const t = tenantOf(byInstall.get(k)![0].tenant_id)
    // The scored install (which holds two or more) left out of its tenant's rates.
    // The same for every scored install of the tenant: computed once.
    const pairRate = (t.pairRate ??= Math.max(s.openStreamPairRate, rateAtLeast(t.withTwo - 1, t.withOne - 1)))
    const own = ownLongest.get(k)
    const longCount = t.longest.length - (own === undefined ? 0 : 1)
    const survival = (ms: number) => {
      const reached = t.longest.length - lowerBound(t.longest, ms) - (own !== undefined && own >= ms ? 1 : 0)
      return Math.max(priorSurvival(ms, s.openStreamTailMs), rateAtLeast(reached, longCount))
    }
    const moment = zFromLogTail(heldLogP(h, pairRate, survival))
    const list = windowStreams?.get(k)
    const w = list ? windowHeldLogP(list, pairRate, survival) : undefined
    const window = w && { streams: w.streams, extras: w.extras, z: zFromLogTail(w.lnP) }
    out.set(k, { streams: h.length, youngestMs: h[h.length - 1], pairRate, z: Math.max(moment, window?.z ?? 0), window })
  }
  return out
}
