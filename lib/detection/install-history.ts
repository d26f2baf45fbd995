import type { Store } from '../clickhouse/client'
import { KeptStates } from './kept-states'
import { num, selectColumns } from './query'
import { installMinuteContextSql } from './sql/install-minute-context'

/**
 * The own-history reference of the moderate bombing test (bombing-moderate.ts):
 * per install and feature, its requests n and the summed shift of its
 * per-minute mean log context from the feature's baseline over the
 * OWN_HISTORY_MINUTES before the window. Re-reading 90 minutes of
 * install_minute every 30 s run (sorted by tenant and minute, so a list of
 * installs is no shorter a read) cost more than the window itself; the
 * history slides by half a minute a run.
 *
 * So the minutes are kept: per install, for each minute, the baseline-free
 * sums N = Σk, A = Σ k·ln(p/k) and B = Σ(k − 1), from which any baseline's
 * dev = Σ k·(x − μ) with x = ln(p/k) − (σ²/2)(1 − 1/k) (install-shift.ts) is
 * A − (σ²/2)·B − μ·N. Each run reads only the minutes that entered the
 * history since the last one (0 or 1), and drops those that left it. The
 * rows are those install-shift.ts would read; the sums differ from the
 * engine's only by floating-point order (tests/integration/install-history.test.ts).
 *
 * The window test's own-past reference (bombing-window-own.ts) is over the
 * same 90 minutes: the kept minutes also hold each install-minute's requests,
 * prompt and completion tokens (installUsageSql's sums, rows with requests and
 * no prompt tokens included), so one read of install_minute serves both
 * (`installHistoryUsage`), not a 90-minute scan per run for the few flagged.
 *
 * A minute is read once it is OWN-window old (30 minutes and more): a row
 * ingested later than that is not seen (ingest that late delays every
 * detector anyway). A run whose history starts before the kept one (the
 * clock went back, another replay) starts over.
 */
/** Numbers kept per install-minute: minute, N, A, B (shift sums: 0 without prompt tokens), requests, prompt, completion. */
const STRIDE = 7

interface Kept {
  lo: number
  hi: number
  /** tenant\0feature\0install → flat [minute, N, A, B, requests, prompt, completion, …] (STRIDE), minutes ascending. */
  byInstall: Map<string, number[]>
}

const kept = new WeakMap<object, KeptStates<Kept>>()

/** Drops every kept history (tests). */
export function forgetInstallHistory(store: Store): void {
  kept.delete(store.client)
}

/** Epoch minutes [lo, hi) of the install_minute rows at or after `fromSec` and before `toSec` (minute starts). */
const minuteRange = (fromSec: number, toSec: number) => [Math.ceil(fromSec / 60), Math.ceil(toSec / 60)] as const

async function readMinutes(store: Store, tenant: string, lo: number, hi: number, into: Map<string, number[]>): Promise<void> {
  if (hi <= lo) return
  type Row = { m: number; tenant_id: string; feature: string; install_id: string; k: number; p: number; c: number }
  const { rows, cols } = await selectColumns<Row>(store, installMinuteContextSql(store.database), { from: lo * 60, to: hi * 60, tenant })
  for (let j = 0; j < rows; j++) {
    const k = num(cols.k[j])
    const p = num(cols.p[j])
    const key = `${cols.tenant_id[j]}\u0000${cols.feature[j]}\u0000${cols.install_id[j]}`
    const list = into.get(key)
    const m = num(cols.m[j])
    // install-shift.ts's rows have prompt tokens; install-usage.ts's only requests.
    const n = p > 0 ? k : 0
    const a = p > 0 ? k * Math.log(p / k) : 0
    const b = p > 0 ? k - 1 : 0
    const c = num(cols.c[j])
    if (list) list.push(m, n, a, b, k, p, c)
    else into.set(key, [m, n, a, b, k, p, c])
  }
}

/** The kept minutes of [fromSec, toSec) for `tenant`: the new ones read, those that left dropped. */
async function keptHistory(store: Store, tenant: string, fromSec: number, toSec: number): Promise<{ k: Kept; lo: number; hi: number }> {
  const [lo, hi] = minuteRange(fromSec, toSec)
  let byDb = kept.get(store.client)
  if (!byDb) kept.set(store.client, (byDb = new KeptStates()))
  const id = `${store.database}\u0000${tenant}`
  let k = byDb.get(id, toSec * 1000)
  if (!k || lo < k.lo) k = byDb.set(id, { lo, hi: lo, byInstall: new Map() }, toSec * 1000)
  if (hi > k.hi) {
    await readMinutes(store, tenant, Math.max(lo, k.hi), hi, k.byInstall)
    k.hi = hi
  }
  if (lo > k.lo) {
    for (const [key, list] of k.byInstall) {
      let i = 0
      while (i < list.length && list[i] < lo) i += STRIDE
      if (i === list.length) k.byInstall.delete(key)
      else if (i > 0) list.splice(0, i)
    }
    k.lo = lo
  }
  return { k, lo, hi }
}

/** Sums of the three columns from offset `at` (in STRIDE) over an install's kept minutes in [lo, hi). */
function sumsOf(list: number[], lo: number, hi: number, at: number): [number, number, number] {
  let x = 0
  let y = 0
  let z = 0
  for (let i = 0; i < list.length; i += STRIDE) {
    if (list[i] < lo || list[i] >= hi) continue
    x += list[i + at]
    y += list[i + at + 1]
    z += list[i + at + 2]
  }
  return [x, y, z]
}

/**
 * Per tenant\0feature\0install in `keys`, the N, A, B sums over the install_minute rows of
 * [fromSec, toSec), kept between runs.
 */
export async function installHistorySums(
  store: Store,
  tenant: string,
  fromSec: number,
  toSec: number,
): Promise<(key: string) => { n: number; a: number; b: number } | undefined> {
  const { k, lo, hi } = await keptHistory(store, tenant, fromSec, toSec)
  return (key) => {
    const list = k.byInstall.get(key)
    if (!list) return undefined
    const [n, a, b] = sumsOf(list, lo, hi, 1)
    return n > 0 ? { n, a, b } : undefined
  }
}

/**
 * Per tenant\0feature\0install, its requests, prompt and completion tokens over the install_minute rows of
 * [fromSec, toSec) with requests (installUsageSql's sums over those minutes), from the same kept minutes.
 */
export async function installHistoryUsage(
  store: Store,
  tenant: string,
  fromSec: number,
  toSec: number,
): Promise<(key: string) => { requests: number; prompt_tokens: number; completion_tokens: number } | undefined> {
  const { k, lo, hi } = await keptHistory(store, tenant, fromSec, toSec)
  return (key) => {
    const list = k.byInstall.get(key)
    if (!list) return undefined
    const [requests, prompt_tokens, completion_tokens] = sumsOf(list, lo, hi, 4)
    return requests > 0 ? { requests, prompt_tokens, completion_tokens } : undefined
  }
}

/** An install's own-history shift against a baseline (μ, σ) from its N, A, B sums. */
export const historyDev = (s: { n: number; a: number; b: number }, mu: number, sigma: number) => s.a - ((sigma * sigma) / 2) * s.b - mu * s.n
