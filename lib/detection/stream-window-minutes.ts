import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { KeyIds, remapIds } from './key-ids'
import { KeptStates } from './kept-states'
import { timePhase } from './phase-cost'
import { num, toSec } from './query'
import type { DetectionSettings } from './settings'
import { streamMinuteRowsSql, streamMinuteSumsSql } from './sql/stream-minutes'
import type { StreamStats } from './stream-abuse'
import { MaxHeap, peakOpen, selectNth } from './stream-order-stats'
import { absoluteZombieLines, isZombie, type ZombieLines } from './stream-zombie'

/**
 * One minute's closed streams, a row each, in runs: each install's streams are contiguous, in the order they ended,
 * run r being streams [runStarts[r], runStarts[r + 1]) of install runIds[r] (dense id of tenant\0install).
 * firstEnd and lastEnd bound the minute's ends: a minute wholly inside the window needs no per-stream bounds check.
 */
interface Minute {
  sums: string
  runIds: Int32Array
  runStarts: Int32Array
  firstEnd: number
  lastEnd: number
  ends: Float64Array
  durations: Float64Array
  completions: Float64Array
  costs: Float64Array
  cuts: Uint8Array
}

interface State {
  minutes: Map<number, Minute>
  ids: KeyIds
  lastNow: number
  /** The window's durations and ends grouped by install, reused run to run: ≈ 3 M streams at 5,000 ev/s, 46 MB allocated afresh every 30 s cost more in collection than in use. */
  durations: Float64Array
  ends: Float64Array
}

/** This file's sub-phases in the bench's CPU breakdown (phase-cost.ts), under stream abuse's. */
const SUB = 'stream_abuse:     window minutes: '

const states = new KeptStates<State>()

/** Forgets every kept window (tests; a store that was rebuilt). */
export function resetStreamMinutes(): void {
  states.clear()
}

type MinuteRow = {
  m: number | string
  tenants: string[]
  installs: string[]
  counts: number[]
  ends: number[]
  durations: number[]
  completions: number[]
  costs: number[]
  cuts: number[]
}

/**
 * The columns are copied by the typed arrays' constructors, which convert each element as Number() does (the values
 * are JSON numbers: selectRows asks for unquoted 64-bit integers): `Float64Array.from(a, num)` calls the function per
 * element, ≈ 4x slower (≈ 190,000 streams a minute at 5,000 ev/s, five columns: 550 ms of CPU against 131 a minute).
 */
async function readMinutes(store: Store, st: State, changed: number[], current: Map<number, string>, tenant: string): Promise<void> {
  const span = { from: Math.min(...changed) * 60, to: Math.max(...changed) * 60 + 60 }
  const rows = await selectRows<MinuteRow>(store, streamMinuteRowsSql(store.database), { ...span, tenant, ms: changed })
  const read = new Map(rows.map((r) => [num(r.m), r]))
  for (const m of changed) {
    const r = read.get(m)
    const n = r?.ends.length ?? 0
    const runs = r?.installs.length ?? 0
    const minute: Minute = {
      sums: current.get(m)!,
      runIds: new Int32Array(runs),
      runStarts: new Int32Array(runs + 1),
      firstEnd: Infinity,
      lastEnd: -Infinity,
      ends: new Float64Array(r?.ends ?? []),
      durations: new Float64Array(r?.durations ?? []),
      completions: new Float64Array(r?.completions ?? []),
      costs: new Float64Array(r?.costs ?? []),
      cuts: new Uint8Array(r?.cuts ?? []),
    }
    let i = 0
    for (let k = 0; r && k < runs; k++) {
      minute.runIds[k] = st.ids.id(`${r.tenants[k]}\u0000${r.installs[k]}`)
      minute.runStarts[k] = i
      i += num(r.counts[k])
    }
    minute.runStarts[runs] = i
    for (let j = 0; j < n; j++) {
      minute.firstEnd = Math.min(minute.firstEnd, minute.ends[j])
      minute.lastEnd = Math.max(minute.lastEnd, minute.ends[j])
    }
    st.minutes.set(m, minute)
  }
}

/**
 * Every install's closed-stream stats over [fromMs, now], as streamInstallsSql
 * (stream-installs.ts) returns them, from the streams of each minute kept
 * between runs. Regrouping the 15-minute window in the engine every 30 s was
 * most of stream abuse's CPU (≈ 1.4 s per run at 5,000 ev/s: ≈ 1.6 M streams
 * grouped by install). Each run asks the engine for every minute's totals
 * (one row per minute), re-reads the minutes whose totals changed (the
 * current minute, late or replayed streams), drops those that left the
 * window, and computes each install's stats here from its streams within the
 * exact bounds: counts, sums and maxima, the exact median duration (as
 * quantileExact(0.5): the element at ⌊n/2⌋ in order) and the exact peak of
 * concurrently open streams (the running sum over stream starts and ends,
 * ends first at a tie). A `now` that goes back starts over. Same rows and
 * numbers as the SQL: tests/integration/stream-window-minutes.test.ts.
 */
export async function keptStreamStats(
  store: Store,
  fromMs: number,
  now: number,
  s: Pick<DetectionSettings, 'zombieMinMs' | 'zombieMaxTokensPerSec' | 'zombieFeatureRateFraction'>,
  tenant = '',
  lines: ZombieLines = absoluteZombieLines(s),
): Promise<StreamStats[]> {
  const id = `${store.database}\u0000${tenant}`
  let st = states.get(id, now)
  if (!st || now < st.lastNow)
    st = states.set(id, { minutes: new Map(), ids: new KeyIds(), lastNow: now, durations: new Float64Array(0), ends: new Float64Array(0) }, now)
  st.lastNow = now
  const from = toSec(fromMs)
  const to = toSec(now) + 1
  const current = new Map(
    (
      await timePhase(`${SUB}minute totals`, () =>
        selectRows<{ m: number | string; sums: string }>(store, streamMinuteSumsSql(store.database), { from, to, tenant }),
      )
    ).map((r) => [num(r.m), r.sums]),
  )
  for (const [m, minute] of st.minutes) if (current.get(m) !== minute.sums) st.minutes.delete(m)
  const changed = [...current.keys()].filter((m) => !st.minutes.has(m))
  if (changed.length) await timePhase(`${SUB}changed minutes`, () => readMinutes(store, st, changed, current, tenant))
  return timePhase(`${SUB}per install`, async () => statsOf(st, current, from * 1000, to * 1000, s, lines))
}

/**
 * Per install: its streams ending in [fromMs, toMs) of the current minutes, grouped by id (a counting sort) in the
 * order they ended (minutes in order, each install's streams of a minute sorted by the engine), then summed.
 */
function statsOf(
  st: State,
  current: Map<number, string>,
  fromMs: number,
  toMs: number,
  s: Pick<DetectionSettings, 'zombieMinMs'>,
  lines: ZombieLines,
): StreamStats[] {
  const n = st.ids.size
  const count = new Int32Array(n)
  const live = [...st.minutes]
    .filter(([m]) => current.has(m))
    .sort((a, b) => a[0] - b[0])
    .map(([, minute]) => minute)
  const inside = (end: number) => end >= fromMs && end < toMs
  for (const minute of live) {
    const { runIds, runStarts } = minute
    const whole = inside(minute.firstEnd) && inside(minute.lastEnd)
    for (let r = 0; r < runIds.length; r++) {
      if (whole) count[runIds[r]] += runStarts[r + 1] - runStarts[r]
      else for (let i = runStarts[r]; i < runStarts[r + 1]; i++) if (inside(minute.ends[i])) count[runIds[r]]++
    }
  }
  const offset = new Int32Array(n + 1)
  for (let k = 0; k < n; k++) offset[k + 1] = offset[k] + count[k]
  const fill = offset.slice(0, n)
  if (st.durations.length < offset[n]) {
    st.durations = new Float64Array(Math.ceil(offset[n] * 1.25))
    st.ends = new Float64Array(st.durations.length)
  }
  const { durations, ends } = st
  const maxDuration = new Float64Array(n)
  const zombies = new Int32Array(n)
  // A closed stream's line is its tenant's (it is stored without its feature), looked up only for streams long enough.
  const lineOf = (k: number) => lines.tenant(st.ids.parts(k)[0]).tokensPerSec
  const cuts = new Int32Array(n)
  const cutCost = new Float64Array(n)
  const cost = new Float64Array(n)
  // Run by run: an install's streams of a minute are written one after the other and its sums kept in locals,
  // rather than scattered stream by stream across the window (millions of streams at 5,000 ev/s). Same order of additions.
  for (const minute of live) {
    const { runIds, runStarts } = minute
    const whole = inside(minute.firstEnd) && inside(minute.lastEnd)
    for (let r = 0; r < runIds.length; r++) {
      const k = runIds[r]
      let at = fill[k]
      let max = maxDuration[k]
      let zombie = zombies[k]
      let total = cost[k]
      let cut = cuts[k]
      let totalCut = cutCost[k]
      for (let i = runStarts[r]; i < runStarts[r + 1]; i++) {
        const end = minute.ends[i]
        if (!whole && !inside(end)) continue
        const d = minute.durations[i]
        durations[at] = d
        ends[at] = end
        at++
        if (d > max) max = d
        if (d >= s.zombieMinMs && isZombie(d, minute.completions[i], lineOf(k), s)) zombie++
        total += minute.costs[i]
        if (minute.cuts[i] === 1) {
          cut++
          totalCut += minute.costs[i]
        }
      }
      fill[k] = at
      maxDuration[k] = max
      zombies[k] = zombie
      cost[k] = total
      cuts[k] = cut
      cutCost[k] = totalCut
    }
  }
  const heap = new MaxHeap()
  const out: StreamStats[] = []
  for (let k = 0; k < n; k++) {
    const c = count[k]
    if (c === 0) continue
    const o = offset[k]
    const peak = peakOpen(ends, durations, o, o + c, heap)
    const median = selectNth(durations, o, o + c - 1, o + Math.floor(c / 2))
    const [tenant_id, install_id] = st.ids.parts(k)
    out.push({
      tenant_id,
      install_id,
      streams: c,
      max_duration_ms: maxDuration[k],
      median_duration_ms: median,
      zombie_streams: zombies[k],
      client_disconnects: cuts[k],
      disconnect_cost_micros: cutCost[k],
      cost_micros: cost[k],
      max_concurrent: peak,
    })
  }
  // Installs that left the window leave the ids too, once most have (held streams are all in kept minutes).
  const held = new Uint8Array(n)
  for (const { runIds } of st.minutes.values()) for (let r = 0; r < runIds.length; r++) held[runIds[r]] = 1
  const remap = st.ids.compact((k) => held[k] === 1)
  if (remap) for (const minute of st.minutes.values()) minute.runIds = remapIds(minute.runIds, remap)
  return out
}
