import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { combinedZ, featureBands, MIN_FEATURE_INSTALLS, type FeatureBands, type UsageRow } from './prompt-bombing-score'
import { KeyIds, remapIds } from './key-ids'
import { KeptStates } from './kept-states'
import { num, toSec } from './query'
import type { DetectionSettings } from './settings'
import { MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT, zFromLogBand } from './stats'
import { COLUMNS_OF_MINUTE, installUsageMinuteRowsSql, installUsageMinuteSumsSql } from './sql/install-usage-minutes'

/** Columns kept per install-minute, in this order (install-usage-minutes.ts). */
const COLUMNS = COLUMNS_OF_MINUTE
const W = COLUMNS.length

/** One minute's install rows: ids of their tenant\0feature\0install keys and their columns, W numbers a row. */
interface Minute {
  sums: string
  ids: Int32Array
  cols: Float64Array
}

interface State {
  minutes: Map<number, Minute>
  /** Dense ids of the keys, so summing a window is array arithmetic rather than 450,000 string-keyed look-ups a run. */
  ids: KeyIds
  lastNow: number
  /** Per key id, over the kept minutes: active minutes, the 5 sums and the 4 maxima (see keptWindowUsage). */
  totals: Totals
}

/**
 * Running totals of the kept minutes: a minute read adds its rows, a minute dropped subtracts them (the columns
 * are integers, so the sums are exact in any order, as summing every minute afresh), and the maxima of the keys
 * whose maximum a dropped row may have held are recomputed from the kept minutes. Summing ≈ 800,000
 * install-minutes again every run was most of this file's CPU after the reads.
 */
interface Totals {
  active: Int32Array
  sum: Float64Array
  max: Float64Array
}

const emptyTotals = (n = 0): Totals => ({ active: new Int32Array(n), sum: new Float64Array(n * 5), max: new Float64Array(n * 4) })

/** Room for `n` key ids, the totals kept. */
function grown(t: Totals, n: number): Totals {
  if (t.active.length >= n) return t
  const g = emptyTotals(Math.max(n, Math.ceil(t.active.length * 1.5)))
  g.active.set(t.active)
  g.sum.set(t.sum)
  g.max.set(t.max)
  return g
}

function addMinute(t: Totals, { ids, cols }: Minute): void {
  const { active, sum, max } = t
  for (let i = 0; i < ids.length; i++) {
    const o = i * W
    const kid = ids[i]
    active[kid]++
    const so = kid * 5
    const mo = kid * 4
    sum[so] += cols[o]
    sum[so + 1] += cols[o + 1]
    sum[so + 2] += cols[o + 2]
    sum[so + 3] += cols[o + 3]
    sum[so + 4] += cols[o + 4]
    max[mo] = Math.max(max[mo], cols[o + 2] + cols[o + 3])
    max[mo + 1] = Math.max(max[mo + 1], cols[o + 6])
    max[mo + 2] = Math.max(max[mo + 2], cols[o + 7])
    max[mo + 3] = Math.max(max[mo + 3], cols[o + 5])
  }
}

/**
 * Subtracts a minute's rows; marks in `stale` the keys whose maximum a row of it reaches (a maximum below the
 * row's value is held by another row, kept or itself dropped and marked).
 */
function dropMinute(t: Totals, { ids, cols }: Minute, stale: Uint8Array): number {
  const { active, sum, max } = t
  let marked = 0
  for (let i = 0; i < ids.length; i++) {
    const o = i * W
    const kid = ids[i]
    active[kid]--
    const so = kid * 5
    const mo = kid * 4
    sum[so] -= cols[o]
    sum[so + 1] -= cols[o + 1]
    sum[so + 2] -= cols[o + 2]
    sum[so + 3] -= cols[o + 3]
    sum[so + 4] -= cols[o + 4]
    if (cols[o + 2] + cols[o + 3] >= max[mo] || cols[o + 6] >= max[mo + 1] || cols[o + 7] >= max[mo + 2] || cols[o + 5] >= max[mo + 3]) {
      marked += 1 - stale[kid]
      stale[kid] = 1
    }
  }
  return marked
}

/** The maxima of the `stale` keys, afresh from the kept minutes (all non-negative: from 0, as a fresh sum). */
function remax(t: Totals, minutes: Iterable<Minute>, stale: Uint8Array): void {
  const { max } = t
  const n = stale.length
  for (let kid = 0; kid < n; kid++) if (stale[kid]) max.fill(0, kid * 4, kid * 4 + 4)
  for (const { ids, cols } of minutes)
    for (let i = 0; i < ids.length; i++) {
      const kid = ids[i]
      if (kid >= n || stale[kid] === 0) continue
      const o = i * W
      const mo = kid * 4
      max[mo] = Math.max(max[mo], cols[o + 2] + cols[o + 3])
      max[mo + 1] = Math.max(max[mo + 1], cols[o + 6])
      max[mo + 2] = Math.max(max[mo + 2], cols[o + 7])
      max[mo + 3] = Math.max(max[mo + 3], cols[o + 5])
    }
}

const states = new KeptStates<State>()

/** Forgets every kept window (tests; a store that was rebuilt). */
export function resetWindowMinutes(): void {
  states.clear()
}

/**
 * Every install's usage over [fromMs, now] (the window pass of prompt
 * bombing), as installUsageSql (install-usage.ts) returns it, from install
 * minutes kept between runs. The window slides 30 s a run over 15 minutes:
 * re-grouping all of it in the engine every run was most of the window pass
 * (≈ 1.2-1.8 s CPU per run at 5,000 ev/s). Each run asks the engine for every
 * minute's totals (one row per minute), re-reads the minutes whose totals
 * changed (the current minute, late events) over their span only, drops
 * those that left the window, and keeps each install's totals over its
 * minutes (Totals: added and subtracted as minutes come and go). A `now`
 * that goes back starts over. Same rows and numbers as the SQL (integer sums
 * and maxima; peak concurrency divided alike): tests/integration/bombing-window-minutes.test.ts.
 */
export async function keptWindowUsage(store: Store, fromMs: number, now: number, tenant = ''): Promise<UsageRow[]> {
  const id = `${store.database}\u0000${tenant}`
  let st = states.get(id, now)
  if (!st || now < st.lastNow) st = states.set(id, { minutes: new Map(), ids: new KeyIds(), lastNow: now, totals: emptyTotals() }, now)
  st.lastNow = now
  const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant }
  const current = new Map(
    (await selectRows<{ m: number | string; sums: string }>(store, installUsageMinuteSumsSql(store.database), params)).map((r) => [num(r.m), r.sums]),
  )
  const stale = new Uint8Array(st.ids.size)
  let marked = 0
  for (const [m, minute] of st.minutes)
    if (current.get(m) !== minute.sums) {
      marked += dropMinute(st.totals, minute, stale)
      st.minutes.delete(m)
    }
  const changed = [...current.keys()].filter((m) => !st.minutes.has(m))
  if (changed.length) {
    const span = { from: Math.min(...changed) * 60, to: Math.max(...changed) * 60 + 60 }
    type MinuteRow = { m: number | string; tenants: string[]; features: string[]; installs: string[] } & Record<(typeof COLUMNS)[number], (number | string)[]>
    const rows = await selectRows<MinuteRow>(store, installUsageMinuteRowsSql(store.database), { ...params, ...span, ms: changed })
    const read = new Map(rows.map((r) => [num(r.m), r]))
    for (const m of changed) {
      const r = read.get(m)
      const n = r?.installs.length ?? 0
      const ids = new Int32Array(n)
      const cols = new Float64Array(n * W)
      for (let i = 0; i < n; i++) {
        ids[i] = st.ids.id(`${r!.tenants[i]}\u0000${r!.features[i]}\u0000${r!.installs[i]}`)
        for (let c = 0; c < W; c++) cols[i * W + c] = num(r![COLUMNS[c]][i])
      }
      st.minutes.set(m, { sums: current.get(m)!, ids, cols })
    }
    st.totals = grown(st.totals, st.ids.size)
    for (const m of changed) addMinute(st.totals, st.minutes.get(m)!)
  }
  if (marked > 0) remax(st.totals, st.minutes.values(), stale)
  // Per key id: active minutes, then the columns summed (requests … stream_ms as sums, the last two and the busiest
  // minute's tokens and open stream-milliseconds (m_open_ms) as maxima), kept between runs.
  const n = st.ids.size
  const { active, sum, max } = st.totals
  const usage: UsageRow[] = []
  for (let kid = 0; kid < n; kid++) {
    if (active[kid] === 0) continue
    const [tenant_id, feature, install_id] = st.ids.parts(kid)
    const so = kid * 5
    const mo = kid * 4
    usage.push({
      tenant_id,
      feature,
      install_id,
      active_minutes: active[kid],
      requests: sum[so],
      streams: sum[so + 1],
      prompt_tokens: sum[so + 2],
      completion_tokens: sum[so + 3],
      cost_micros: sum[so + 4],
      peak_tokens_per_minute: max[mo],
      max_context_tokens: max[mo + 1],
      max_completion_tokens: max[mo + 2],
      peak_concurrency: max[mo + 3] / 60000,
    })
  }
  // Installs that left the window leave the ids too, once most have (every kept minute is in the window).
  const remap = st.ids.compact((kid) => active[kid] > 0)
  if (remap) {
    for (const minute of st.minutes.values()) minute.ids = remapIds(minute.ids, remap)
    const kept = emptyTotals(st.ids.size)
    for (let kid = 0; kid < remap.length; kid++) {
      const to = remap[kid]
      if (to < 0) continue
      kept.active[to] = active[kid]
      kept.sum.set(sum.subarray(kid * 5, kid * 5 + 5), to * 5)
      kept.max.set(max.subarray(kid * 4, kid * 4 + 4), to * 4)
    }
    st.totals = kept
  }
  return usage
}

/**
 * What installUsageBandsSql (install-usage-bands.ts) computes in the engine,
 * from every install's usage: each feature's bands (featureBands, the same
 * exact medians and MADs) and the rows worth scoring: installs whose combined,
 * sample-size-shrunk z reaches `zmin` in a feature of at least
 * MIN_FEATURE_INSTALLS, and every row of an install in `named` (open streams).
 * Pure.
 */
export function windowCandidates(
  usage: UsageRow[],
  s: Pick<DetectionSettings, 'minRequests'>,
  zmin: number,
  named: Set<string>,
): { bands: Map<string, FeatureBands>; candidates: UsageRow[] } {
  const byFeature = new Map<string, UsageRow[]>()
  for (const u of usage) {
    const key = `${u.tenant_id}\u0000${u.feature}`
    const list = byFeature.get(key)
    if (list) list.push(u)
    else byFeature.set(key, [u])
  }
  const bands = new Map<string, FeatureBands>()
  const candidates: UsageRow[] = []
  for (const [key, list] of byFeature) {
    const fb = featureBands(list)
    bands.set(key, fb)
    for (const u of list) {
      if (named.has(u.install_id)) {
        candidates.push(u)
        continue
      }
      if (list.length < MIN_FEATURE_INSTALLS || u.requests < 2) continue
      const b = fb.bands
      const z = combinedZ({
        tokens_per_minute: zFromLogBand((u.prompt_tokens + u.completion_tokens) / Math.max(1, u.active_minutes), b.tokens_per_minute, MIN_LOG_SIGMA),
        peak_tokens_per_minute: zFromLogBand(u.peak_tokens_per_minute, b.peak_tokens_per_minute, MIN_LOG_SIGMA),
        context_tokens: zFromLogBand(u.prompt_tokens / Math.max(1, u.requests), b.context_tokens, MIN_LOG_SIGMA),
        output_tokens: zFromLogBand(u.completion_tokens / Math.max(1, u.requests), b.output_tokens, MIN_LOG_SIGMA),
        concurrent_streams: zFromLogBand(u.peak_concurrency, b.concurrent_streams, MIN_LOG_SIGMA_COUNT),
      })
      if (z * Math.min(1, Math.sqrt(u.requests / s.minRequests)) >= zmin) candidates.push(u)
    }
  }
  return { bands, candidates }
}
