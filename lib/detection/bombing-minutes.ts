import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { ContextBaseline } from './bombing-baselines'
import { KeptStates } from './kept-states'
import { num, selectColumns, toSec } from './query'
import { installMinuteSumsSql, installMinuteRowsSql } from './sql/install-minute-rows'
import { installMinutesSql } from './sql/install-minutes'

/** One install's active minutes in the window, in minute order (what the CUSUM walks). */
export interface InstallMinutes {
  tenant_id: string
  feature: string
  install_id: string
  minutes: number[]
  requests: number[]
  prompt: number[]
  /** tenant\0feature, the baselines' key, when the holder built it once (the kept series). */
  featureKey?: string
}

export interface LlrParams {
  shift: number
  cap: number
  minPositive: number
}

/** A minute's LLR under baseline b, as install-minutes.ts computes it in the engine (bombing-sequential.ts). */
export function minuteLlr(k: number, prompt: number, b: ContextBaseline, p: LlrParams): number {
  const s2 = b.sigma * b.sigma
  const x = Math.log(prompt / k) - (s2 / 2) * (1 - 1 / k)
  return Math.max(-p.cap, Math.min(p.cap, k * (p.shift / s2) * (x - b.mu - p.shift / 2)))
}

/**
 * The window's install minutes read whole from the engine (the non-incremental path; `only`: the newest ids of a
 * rotating attacker, with minPositive 0): installs whose positive minute LLRs add up to p.minPositive.
 */
export async function readInstallMinutes(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  from: number,
  now: number,
  tenant: string,
  only: string[],
  p: LlrParams,
): Promise<InstallMinutes[]> {
  const keys = [...baselines.keys()]
  const rows = await selectRows<Record<string, unknown>>(store, installMinutesSql(store.database), {
    from: toSec(from),
    to: toSec(now) + 1,
    tenant,
    only,
    keys: keys.map((k) => k.replace('\u0000', '|')),
    mus: keys.map((k) => baselines.get(k)!.mu),
    sigmas: keys.map((k) => baselines.get(k)!.sigma),
    shift: p.shift,
    cap: p.cap,
    min_positive: p.minPositive,
  })
  return rows.map((r) => ({
    tenant_id: String(r.tenant_id),
    feature: String(r.feature),
    install_id: String(r.install_id),
    minutes: (r.minutes as unknown[]).map(num),
    requests: (r.requests as unknown[]).map(num),
    prompt: (r.prompt as unknown[]).map(num),
  }))
}

interface Series extends InstallMinutes {
  /** Built once rather than every run for every series. */
  featureKey: string
  /**
   * Sum of the positive minute LLRs under `stamp`'s baselines (`b`, looked up once per stamp), kept as minutes come
   * and go; `slack` bounds how far that running sum may be from the sum afresh in minute order (rounding).
   */
  positive: number
  slack: number
  b: ContextBaseline | undefined
  stamp: number
}

interface State {
  /** Per minute: the sums that tell whether it changed since it was read, and the series holding it. */
  sums: Map<number, string>
  series: Map<string, Series>
  byMinute: Map<number, Series[]>
  baselines: Map<string, ContextBaseline> | null
  stamp: number
  lastNow: number
}

const states = new KeptStates<State>()

/**
 * Every install's minutes of the window the last incrementalInstallMinutes call for this store and tenant kept
 * (not only those it returned), when that call was for `now`; else undefined. Read-only views: the moderate
 * test computes its window shifts from them instead of re-reading the window (bombing-shift.ts).
 */
export function keptInstallMinutes(store: Store, tenant: string, now: number): Iterable<InstallMinutes> | undefined {
  const st = states.get(`${store.database}\u0000${tenant}`, now)
  return st && st.lastNow === now ? st.series.values() : undefined
}

/** Forgets every incremental state (tests; a store that was rebuilt). */
export function resetInstallMinutes(): void {
  states.clear()
}

const fresh = (): State => ({ sums: new Map(), series: new Map(), byMinute: new Map(), baselines: null, stamp: 0, lastNow: -Infinity })

/** A positive minute LLR, or 0. */
const positiveLlr = (k: number, prompt: number, b: ContextBaseline, p: LlrParams) => Math.max(0, minuteLlr(k, prompt, b, p))

/** The positive-LLR sum of a series afresh, in minute order (what the engine's filter adds up). */
function exactPositive(s: Series, p: LlrParams): number {
  let pos = 0
  for (let i = 0; i < s.minutes.length; i++) {
    const llr = minuteLlr(s.requests[i], s.prompt[i], s.b!, p)
    if (llr > 0) pos += llr
  }
  return pos
}

/**
 * A generous bound on how far one more addition can move the running sum from the sum afresh: 2^12 ulps of the
 * larger magnitude (each afresh sum of ≤ 31 minutes rounds by ≤ 15 ulps, an addition by ½); < 10⁻⁹ for sums ≤ 360.
 */
const ulps = (x: number, term: number) => (Math.abs(x) + term) * 2 ** -40

/**
 * A minute's row leaves (sign −1) or joins (+1) a series whose sum is current: the sum moves by its positive LLR
 * instead of being summed afresh over the series (≈ 50,000 series × 30 minutes every run a minute comes or goes).
 */
function moveSum(s: Series, st: State, k: number, prompt: number, sign: number, p: LlrParams): void {
  if (s.stamp !== st.stamp || !s.b) return
  const llr = positiveLlr(k, prompt, s.b, p)
  if (llr === 0) return
  s.positive += sign * llr
  s.slack += ulps(s.positive, llr)
}

/**
 * The sequential test's install minutes over [from, now], kept between runs:
 * each run asks the engine only for every minute's totals (requests and
 * prompt tokens, one row per minute), re-reads the minutes whose totals
 * changed (the current minute, late events), drops those that left the
 * window, and moves the positive-LLR sum of the installs whose minutes
 * changed by those minutes' LLRs or, when the baselines changed, sums every
 * install afresh. The installs returned are those whose positive minutes add
 * up to `minPositive`, exactly as installMinutesSql filters in the engine (a
 * test compares the two): a running sum within its rounding slack of the
 * line is summed afresh in minute order, so the same installs pass as with
 * every sum recomputed. They are read-only views of the kept series, valid
 * until the next call (copying every returned series each run was a large
 * share of this phase). A `now` that goes back starts over.
 */
export async function incrementalInstallMinutes(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  from: number,
  now: number,
  tenant: string,
  p: LlrParams,
): Promise<InstallMinutes[]> {
  const key = `${store.database}\u0000${tenant}`
  let st = states.get(key, now)
  if (!st || now < st.lastNow) st = states.set(key, fresh(), now)
  st.lastNow = now
  if (st.baselines !== baselines) {
    st.baselines = baselines
    st.stamp++
  }
  const params = { from: toSec(from), to: toSec(now) + 1, tenant }
  const sums = await selectRows<Record<string, unknown>>(store, installMinuteSumsSql(store.database), params)
  const current = new Map(sums.map((r) => [num(r.m), `${r.m_requests}/${r.m_prompt}`]))
  const drop = (m: number) => {
    for (const s of st.byMinute.get(m) ?? []) {
      const i = s.minutes.indexOf(m)
      if (i >= 0) {
        moveSum(s, st, s.requests[i], s.prompt[i], -1, p)
        s.minutes.splice(i, 1)
        s.requests.splice(i, 1)
        s.prompt.splice(i, 1)
      }
      if (s.minutes.length === 0) st.series.delete(`${s.featureKey}\u0000${s.install_id}`)
    }
    st.byMinute.delete(m)
    st.sums.delete(m)
  }
  for (const m of [...st.sums.keys()]) if (current.get(m) !== st.sums.get(m)) drop(m)
  const changed = [...current.keys()].filter((m) => !st.sums.has(m))
  if (changed.length) {
    // Only the changed minutes' span is scanned (install_minute is ordered by tenant and minute): usually the
    // last one or two minutes, not the whole window again.
    const span = { from: Math.min(...changed) * 60, to: Math.max(...changed) * 60 + 60 }
    // As columns: ≈ 51,000 rows a minute at 5,000 ev/s cost 0.5-0.9 s of CPU to decode row by row (query.ts).
    type Row = { m: number; tenant_id: string; feature: string; install_id: string; m_requests: number; m_prompt: number }
    const { rows, cols } = await selectColumns<Row>(store, installMinuteRowsSql(store.database), { ...params, ...span, ms: changed })
    for (let j = 0; j < rows; j++) {
      const m = num(cols.m[j])
      const featureKey = `${cols.tenant_id[j]}\u0000${cols.feature[j]}`
      const k = `${featureKey}\u0000${cols.install_id[j]}`
      let s = st.series.get(k)
      if (!s) {
        const b = baselines.get(featureKey)
        s = {
          featureKey,
          tenant_id: cols.tenant_id[j],
          feature: cols.feature[j],
          install_id: cols.install_id[j],
          minutes: [],
          requests: [],
          prompt: [],
          positive: 0,
          slack: 0,
          b,
          stamp: st.stamp,
        }
        st.series.set(k, s)
      }
      const requests = num(cols.m_requests[j])
      const prompt = num(cols.m_prompt[j])
      // Minutes arrive in any order across runs (a late minute re-read): keep each series sorted.
      let i = s.minutes.length
      while (i > 0 && s.minutes[i - 1] > m) i--
      if (i === s.minutes.length) {
        s.minutes.push(m)
        s.requests.push(requests)
        s.prompt.push(prompt)
      } else {
        s.minutes.splice(i, 0, m)
        s.requests.splice(i, 0, requests)
        s.prompt.splice(i, 0, prompt)
      }
      moveSum(s, st, requests, prompt, 1, p)
      const list = st.byMinute.get(m)
      if (list) list.push(s)
      else st.byMinute.set(m, [s])
    }
    for (const m of changed) st.sums.set(m, current.get(m)!)
  }
  const out: InstallMinutes[] = []
  for (const s of st.series.values()) {
    if (s.stamp !== st.stamp) {
      s.stamp = st.stamp
      s.b = baselines.get(s.featureKey)
      if (s.b) s.positive = exactPositive(s, p)
      s.slack = 0
    }
    if (!s.b) continue
    // Near the line the running sum may round to the other side of it: summed afresh there, as before.
    if (s.slack > 0 && Math.abs(s.positive - p.minPositive) <= s.slack) {
      s.positive = exactPositive(s, p)
      s.slack = 0
    }
    if (s.positive >= p.minPositive) out.push(s)
  }
  return out
}
