import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num } from './query'
import { farmMinuteRequestsSql } from './sql/farm-minute-requests'
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
}

/**
 * Minutes older than this are read once and kept; the last ones are re-read
 * every run. Events that reach the store later than this (a consumer lagging
 * more than 5 minutes behind) are not seen by the timing signal of an
 * install until the minute leaves the window; everything else comes out as
 * the window query gave it (tests/integration/farm-timing-cache.test.ts).
 */
export const FARM_TIMING_REREAD_MINUTES = 5

/** One minute's rows: installs (dense ids of tenant\0install) and their requests. */
interface MinuteRows {
  ids: Int32Array
  r: Float64Array
}

/** Cached minutes per store and tenant filter: minute (s) → rows, and the ids of their installs. */
const caches = new KeptStates<{ minutes: Map<number, MinuteRows>; ids: KeyIds }>()

/** Rows read from ClickHouse by farmTimings since the last call (the test's witness that closed minutes are read once). */
let rowsRead = 0
export function takeFarmTimingRowsRead(): number {
  const n = rowsRead
  rowsRead = 0
  return n
}

async function readMinutes(store: Store, fromSec: number, toSec: number, tenant: string, ids: KeyIds): Promise<Map<number, MinuteRows>> {
  const out = new Map<number, MinuteRows>()
  if (toSec <= fromSec) return out
  const rows = await selectRows<{ m: number | string; tenant_id: string; install_id: string; r: number | string }>(
    store,
    farmMinuteRequestsSql(store.database),
    { from: fromSec, to: toSec, tenant },
  )
  rowsRead += rows.length
  const byMinute = new Map<number, { ids: number[]; r: number[] }>()
  for (const row of rows) {
    const m = num(row.m)
    let list = byMinute.get(m)
    if (!list) byMinute.set(m, (list = { ids: [], r: [] }))
    list.ids.push(ids.id(`${row.tenant_id}\u0000${row.install_id}`))
    list.r.push(num(row.r))
  }
  for (const [m, list] of byMinute) out.set(m, { ids: Int32Array.from(list.ids), r: Float64Array.from(list.r) })
  return out
}

/**
 * Per install (tenant\0install): the request timing of the minutes whose
 * start is in [fromSec, toSec), as farmInstallsSql's timing part computes it,
 * with closed minutes aggregated once. At 5,000 ev/s the 60-minute window is
 * ≈ 3 M install-minutes, grouped again every 30 s; here a run reads the last
 * FARM_TIMING_REREAD_MINUTES and the minute that became old enough, and sums
 * the kept minutes into arrays indexed by install id (key-ids.ts).
 */
export async function farmTimings(store: Store, fromSec: number, toSec: number, tenant = ''): Promise<Map<string, InstallTiming>> {
  const id = `${store.database}\u0000${tenant}`
  const held = caches.get(id, toSec * 1000) ?? caches.set(id, { minutes: new Map<number, MinuteRows>(), ids: new KeyIds() }, toSec * 1000)
  const cache = held.minutes
  const first = Math.ceil(fromSec / 60) * 60
  // Minutes starting before this are stable: their whole minute plus the re-read margin has passed.
  const stableEnd = Math.max(first, Math.min(toSec, Math.floor((toSec - 1) / 60) * 60 - FARM_TIMING_REREAD_MINUTES * 60))
  for (const m of cache.keys()) if (m < first || m >= stableEnd) cache.delete(m)
  // The oldest stable minute not yet held, and everything after it, is read once.
  let missing = first
  while (missing < stableEnd && cache.has(missing)) missing += 60
  for (const [m, rows] of await readMinutes(store, missing, stableEnd, tenant, held.ids)) cache.set(m, rows)
  // Minutes with no rows at all are held as empty, so they are not read again.
  for (let m = missing; m < stableEnd; m += 60) if (!cache.has(m)) cache.set(m, { ids: new Int32Array(0), r: new Float64Array(0) })
  const recent = await readMinutes(store, stableEnd, toSec, tenant, held.ids)
  const n = held.ids.size
  const min = new Float64Array(n).fill(Infinity)
  const max = new Float64Array(n).fill(-Infinity)
  const rMin = new Float64Array(n)
  const rMax = new Float64Array(n)
  const sum = new Float64Array(n)
  const sq = new Float64Array(n)
  const add = (m: number, rows: MinuteRows) => {
    for (let i = 0; i < rows.ids.length; i++) {
      const k = rows.ids[i]
      const r = rows.r[i]
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
  for (const [m, rows] of cache) if (m >= first && m < stableEnd) add(m, rows)
  for (const [m, rows] of recent) add(m, rows)
  const timings = new Map<string, InstallTiming>()
  for (let k = 0; k < n; k++) {
    if (min[k] === Infinity) continue
    const last = max[k] === min[k] ? 0 : rMax[k]
    timings.set(held.ids.keys[k], {
      span_minutes: Math.max(0, (max[k] - min[k]) / 60 - 1),
      req_sum: sum[k] - rMin[k] - last,
      req_sq: sq[k] - rMin[k] * rMin[k] - last * last,
    })
  }
  // Installs that left the window leave the ids too, once most have.
  const remap = held.ids.compact((k) => min[k] !== Infinity)
  if (remap) for (const [m, rows] of cache) cache.set(m, { ids: remapIds(rows.ids, remap), r: rows.r })
  return timings
}

/** Forget every cached minute (tests; a store dropped and recreated under the same name). */
export function clearFarmTimings(): void {
  caches.clear()
}
