import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, selectColumns } from './query'
import { farmMinuteRequestsSql, farmMinuteTotalsSql } from './sql/farm-minute-requests'
import { KeyIds, remapIds } from './key-ids'
import { KeptStates } from './kept-states'

/**
 * An install's request timing over a window: the minutes strictly between its first and its last active minute,
 * and the sum and sum of squares of requests per minute over them (farm-installs.ts says why the edges are left out).
 */
export interface InstallTiming {
  span_minutes: number
  req_sum: number
  req_sq: number
  /** First minute (ms) of the current burst, after the last silence of more than the wake silence (farm-wake.ts). */
  first_active: number
  /** Requests since first_active. */
  burst_requests: number
  /** Active minutes among the window's last 64, as bits back from minutes_end (farm-install.ts). */
  minutes_lo: number
  minutes_hi: number
  minutes_end: number
}

/**
 * Minutes older than this are read once and kept; the last ones are checked
 * every run against their totals (installs present, requests) and re-read
 * when those moved. Events that reach the store later than this (a consumer
 * lagging more than 5 minutes behind) are not seen by the timing signal of an
 * install until the minute leaves the window; everything else comes out as
 * the window query gave it (tests/integration/farm-timing-cache.test.ts).
 */
export const FARM_TIMING_REREAD_MINUTES = 5

/** One minute's rows: installs (dense ids of tenant\0install) and their requests. */
interface MinuteRows {
  ids: Int32Array
  r: Float64Array
  /** The minute's totals when it was read (farmMinuteTotalsSql), for a recent minute; '' for one without rows. */
  totals?: string
}

/**
 * Cached minutes per store and tenant filter: minute (s) → rows, the ids of their installs, and where the stable
 * minutes ended at the last run.
 */
const caches = new KeptStates<{ minutes: Map<number, MinuteRows>; ids: KeyIds; stableEnd?: number }>()

/** Rows read from ClickHouse by farmTimings since the last call (the test's witness that closed minutes are read once). */
let rowsRead = 0
export function takeFarmTimingRowsRead(): number {
  const n = rowsRead
  rowsRead = 0
  return n
}

/** The rows of the minutes starting in [fromSec, toSec) (of those in `only` when given). */
async function readMinutes(store: Store, fromSec: number, toSec: number, tenant: string, ids: KeyIds, only?: number[]): Promise<Map<number, MinuteRows>> {
  const out = new Map<number, MinuteRows>()
  if (toSec <= fromSec) return out
  const { rows, cols } = await selectColumns<{ m: number | string; tenant_id: string; install_id: string; r: number | string }>(
    store,
    farmMinuteRequestsSql(store.database),
    { from: fromSec, to: toSec, tenant, only: only ?? [], some: only !== undefined },
  )
  rowsRead += rows
  const byMinute = new Map<number, { ids: number[]; r: number[] }>()
  for (let j = 0; j < rows; j++) {
    const m = num(cols.m[j])
    let list = byMinute.get(m)
    if (!list) byMinute.set(m, (list = { ids: [], r: [] }))
    list.ids.push(ids.id(`${cols.tenant_id[j]}\u0000${cols.install_id[j]}`))
    list.r.push(num(cols.r[j]))
  }
  for (const [m, list] of byMinute) out.set(m, { ids: Int32Array.from(list.ids), r: Float64Array.from(list.r) })
  return out
}

/**
 * Per install (tenant\0install): the request timing of the minutes whose
 * start is in [fromSec, toSec), as farmInstallsSql's timing part computes it,
 * with closed minutes aggregated once. At 5,000 ev/s the 60-minute window is
 * ≈ 3 M install-minutes, grouped again every 30 s; here a run reads the
 * minute that became old enough and, of the last FARM_TIMING_REREAD_MINUTES,
 * those whose totals changed since they were read (farmMinuteTotalsSql: the
 * installs present and the requests, all the timing reads of a minute), and
 * sums the kept minutes into arrays indexed by install id (key-ids.ts).
 */
export async function farmTimings(store: Store, fromSec: number, toSec: number, tenant = '', wakeSilenceMinutes = 15): Promise<Map<string, InstallTiming>> {
  const id = `${store.database}\u0000${tenant}`
  const held = caches.get(id, toSec * 1000) ?? caches.set(id, { minutes: new Map<number, MinuteRows>(), ids: new KeyIds() }, toSec * 1000)
  const cache = held.minutes
  const first = Math.ceil(fromSec / 60) * 60
  // Minutes starting before this are stable: their whole minute plus the re-read margin has passed.
  const stableEnd = Math.max(first, Math.min(toSec, Math.floor((toSec - 1) / 60) * 60 - FARM_TIMING_REREAD_MINUTES * 60))
  // Recent minutes, and those that became stable since the last run, are checked against their totals now.
  const checkFrom = Math.max(first, Math.min(stableEnd, held.stableEnd ?? stableEnd))
  held.stableEnd = stableEnd
  const totals = new Map(
    checkFrom < toSec
      ? (await selectRows<{ m: number | string; totals: string }>(store, farmMinuteTotalsSql(store.database), { from: checkFrom, to: toSec, tenant })).map(
          (r) => [num(r.m), r.totals],
        )
      : [],
  )
  for (const [m, rows] of cache) if (m < first || m >= toSec || (m >= checkFrom && rows.totals !== (totals.get(m) ?? ''))) cache.delete(m)
  const missing: number[] = []
  for (let m = first; m < toSec; m += 60) if (!cache.has(m)) missing.push(m)
  if (missing.length) {
    const read = await readMinutes(store, missing[0], missing[missing.length - 1] + 60, tenant, held.ids, missing.length < 10 ? missing : undefined)
    // Minutes with no rows at all are held as empty, so they are not read again.
    for (const m of missing)
      cache.set(m, { ...(read.get(m) ?? { ids: new Int32Array(0), r: new Float64Array(0) }), totals: m >= checkFrom ? (totals.get(m) ?? '') : undefined })
  }
  const n = held.ids.size
  const min = new Float64Array(n).fill(Infinity)
  const max = new Float64Array(n).fill(-Infinity)
  const rMin = new Float64Array(n)
  const rMax = new Float64Array(n)
  const sum = new Float64Array(n)
  const sq = new Float64Array(n)
  const burstAt = new Float64Array(n)
  const burstReq = new Float64Array(n)
  const lo = new Uint32Array(n)
  const hi = new Uint32Array(n)
  const lastMinute = Math.floor((toSec - 1) / 60) * 60
  // Minutes in order: a gap of more than the silence since the install's previous minute starts a new burst.
  const add = (m: number, rows: MinuteRows) => {
    for (let i = 0; i < rows.ids.length; i++) {
      const k = rows.ids[i]
      const r = rows.r[i]
      if (max[k] === -Infinity || m - max[k] > wakeSilenceMinutes * 60) {
        burstAt[k] = m
        burstReq[k] = 0
      }
      burstReq[k] += r
      const back = (lastMinute - m) / 60
      if (back < 32) lo[k] |= 1 << back
      else if (back < 64) hi[k] |= 1 << (back - 32)
      if (m < min[k]) {
        min[k] = m
        rMin[k] = r
      }
      if (m > max[k]) {
        max[k] = m
        rMax[k] = r
      }
      sum[k] += r
      sq[k] += r * r
    }
  }
  for (const m of [...cache.keys()].sort((a, b) => a - b)) add(m, cache.get(m)!)
  const timings = new Map<string, InstallTiming>()
  for (let k = 0; k < n; k++) {
    if (min[k] === Infinity) continue
    const last = max[k] === min[k] ? 0 : rMax[k]
    timings.set(held.ids.keys[k], {
      span_minutes: Math.max(0, (max[k] - min[k]) / 60 - 1),
      req_sum: sum[k] - rMin[k] - last,
      req_sq: sq[k] - rMin[k] * rMin[k] - last * last,
      first_active: burstAt[k] * 1000,
      burst_requests: burstReq[k],
      minutes_lo: lo[k],
      minutes_hi: hi[k],
      minutes_end: lastMinute * 1000,
    })
  }
  // Installs that left the window leave the ids too, once most have.
  const remap = held.ids.compact((k) => min[k] !== Infinity)
  if (remap) for (const [m, rows] of cache) cache.set(m, { ...rows, ids: remapIds(rows.ids, remap) })
  return timings
}

/** Forget every cached minute (tests; a store dropped and recreated under the same name). */
export function clearFarmTimings(): void {
  caches.clear()
}
