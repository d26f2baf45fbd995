import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num } from './query'
import { farmMinuteRequestsSql } from './sql/farm-minute-requests'

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

type MinuteRows = { key: string; r: number }[]

/** Cached minutes per store and tenant filter: minute (s) → (tenant\0install, requests). */
const caches = new Map<string, Map<number, MinuteRows>>()

/** Rows read from ClickHouse by farmTimings since the last call (the test's witness that closed minutes are read once). */
let rowsRead = 0
export function takeFarmTimingRowsRead(): number {
  const n = rowsRead
  rowsRead = 0
  return n
}

async function readMinutes(store: Store, fromSec: number, toSec: number, tenant: string): Promise<Map<number, MinuteRows>> {
  const out = new Map<number, MinuteRows>()
  if (toSec <= fromSec) return out
  const rows = await selectRows<{ m: number | string; tenant_id: string; install_id: string; r: number | string }>(
    store,
    farmMinuteRequestsSql(store.database),
    { from: fromSec, to: toSec, tenant },
  )
  rowsRead += rows.length
  for (const row of rows) {
    const m = num(row.m)
    const list = out.get(m)
    const entry = { key: `${row.tenant_id}\u0000${row.install_id}`, r: num(row.r) }
    if (list) list.push(entry)
    else out.set(m, [entry])
  }
  return out
}

/**
 * Per install (tenant\0install): the request timing of the minutes whose
 * start is in [fromSec, toSec), as farmInstallsSql's timing part computes it,
 * with closed minutes aggregated once. At 5,000 ev/s the 60-minute window is
 * ≈ 3 M install-minutes, grouped again every 30 s; here a run reads the last
 * FARM_TIMING_REREAD_MINUTES and the minute that became old enough.
 */
export async function farmTimings(store: Store, fromSec: number, toSec: number, tenant = ''): Promise<Map<string, InstallTiming>> {
  const id = `${store.database}\u0000${tenant}`
  const cache = caches.get(id) ?? new Map<number, MinuteRows>()
  caches.set(id, cache)
  const first = Math.ceil(fromSec / 60) * 60
  // Minutes starting before this are stable: their whole minute plus the re-read margin has passed.
  const stableEnd = Math.max(first, Math.min(toSec, Math.floor((toSec - 1) / 60) * 60 - FARM_TIMING_REREAD_MINUTES * 60))
  for (const m of cache.keys()) if (m < first || m >= stableEnd) cache.delete(m)
  // The oldest stable minute not yet held, and everything after it, is read once.
  let missing = first
  while (missing < stableEnd && cache.has(missing)) missing += 60
  for (const [m, rows] of await readMinutes(store, missing, stableEnd, tenant)) cache.set(m, rows)
  // Minutes with no rows at all are held as empty, so they are not read again.
  for (let m = missing; m < stableEnd; m += 60) if (!cache.has(m)) cache.set(m, [])
  const recent = await readMinutes(store, stableEnd, toSec, tenant)
  const out = new Map<string, { min: number; max: number; rMin: number; rMax: number; sum: number; sq: number }>()
  const add = (m: number, rows: MinuteRows) => {
    for (const { key, r } of rows) {
      const t = out.get(key)
      if (!t) out.set(key, { min: m, max: m, rMin: r, rMax: r, sum: r, sq: r * r })
      else {
        if (m < t.min) [t.min, t.rMin] = [m, r]
        if (m > t.max) [t.max, t.rMax] = [m, r]
        t.sum += r
        t.sq += r * r
      }
    }
  }
  for (const [m, rows] of cache) if (m >= first && m < stableEnd) add(m, rows)
  for (const [m, rows] of recent) add(m, rows)
  const timings = new Map<string, InstallTiming>()
  for (const [key, t] of out) {
    const last = t.max === t.min ? 0 : t.rMax
    timings.set(key, { span_minutes: Math.max(0, (t.max - t.min) / 60 - 1), req_sum: t.sum - t.rMin - last, req_sq: t.sq - t.rMin * t.rMin - last * last })
  }
  return timings
}

/** Forget every cached minute (tests; a store dropped and recreated under the same name). */
export function clearFarmTimings(): void {
  caches.clear()
}
