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
  /** tenant\0feature, the baselines' key, built once rather than every run for every series. */
  featureKey: string
  /** Sum of the positive minute LLRs under `stamp`'s baselines; recomputed when the minutes or the baselines change. */
  positive: number
  stamp: number
}

interface State {
  /** Per minute: the sums that tell whether it changed since it was read, and the series holding it. */
  sums: Map<number, string>
  series: Map<string, Series>
  byMinute: Map<number, Set<string>>
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

/**
 * The sequential test's install minutes over [from, now], kept between runs:
 * each run asks the engine only for every minute's totals (requests and
 * prompt tokens, one row per minute), re-reads the minutes whose totals
 * changed (the current minute, late events), drops those that left the
 * window, and recomputes the positive-LLR sum only of the installs whose
 * minutes changed or, when the baselines changed, of all. The installs
 * returned are those whose positive minutes add up to `minPositive`, exactly
 * as installMinutesSql filters in the engine (a test compares the two), as
 * read-only views of the kept series, valid until the next call (copying
 * every returned series each run was a large share of this phase). A `now` that
 * goes back starts over.
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
  const params = { from: toSec(from), to: toSec(now) + 1, tenant }
  const sums = await selectRows<Record<string, unknown>>(store, installMinuteSumsSql(store.database), params)
  const current = new Map(sums.map((r) => [num(r.m), `${r.m_requests}/${r.m_prompt}`]))
  const touched = new Set<string>()
  const drop = (m: number) => {
    for (const k of st.byMinute.get(m) ?? []) {
      const s = st.series.get(k)!
      const i = s.minutes.indexOf(m)
      if (i >= 0) {
        s.minutes.splice(i, 1)
        s.requests.splice(i, 1)
        s.prompt.splice(i, 1)
      }
      if (s.minutes.length === 0) st.series.delete(k)
      else touched.add(k)
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
      const k = `${cols.tenant_id[j]}\u0000${cols.feature[j]}\u0000${cols.install_id[j]}`
      let s = st.series.get(k)
      if (!s) {
        s = {
          featureKey: `${cols.tenant_id[j]}\u0000${cols.feature[j]}`,
          tenant_id: cols.tenant_id[j],
          feature: cols.feature[j],
          install_id: cols.install_id[j],
          minutes: [],
          requests: [],
          prompt: [],
          positive: 0,
          stamp: -1,
        }
        st.series.set(k, s)
      }
      // Minutes arrive in any order across runs (a late minute re-read): keep each series sorted.
      let i = s.minutes.length
      while (i > 0 && s.minutes[i - 1] > m) i--
      s.minutes.splice(i, 0, m)
      s.requests.splice(i, 0, num(cols.m_requests[j]))
      s.prompt.splice(i, 0, num(cols.m_prompt[j]))
      const set = st.byMinute.get(m) ?? new Set<string>()
      st.byMinute.set(m, set.add(k))
      touched.add(k)
    }
    for (const m of changed) st.sums.set(m, current.get(m)!)
  }
  if (st.baselines !== baselines) {
    st.baselines = baselines
    st.stamp++
  }
  const out: InstallMinutes[] = []
  for (const [k, s] of st.series) {
    const b = baselines.get(s.featureKey)
    if (!b) continue
    if (s.stamp !== st.stamp || touched.has(k)) {
      let pos = 0
      for (let i = 0; i < s.minutes.length; i++) {
        const llr = minuteLlr(s.requests[i], s.prompt[i], b, p)
        if (llr > 0) pos += llr
      }
      s.positive = pos
      s.stamp = st.stamp
    }
    if (s.positive >= p.minPositive) out.push(s)
  }
  return out
}
