import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { ContextBaseline } from './bombing-baselines'
import type { InstallMinutes } from './bombing-minutes'
import { num, toSec } from './query'
import { installShiftSql } from './sql/install-shift'

/** One install's requests over the window: n, their summed log-deviation from the baseline, prompt tokens. */
export interface InstallShift {
  tenant_id: string
  feature: string
  install_id: string
  n: number
  dev: number
  prompt: number
  first_minute: number
}

/** One install's shift over the window, as installShiftSql (sql/install-shift.ts) returns it. */
export interface ShiftSums extends InstallShift {
  /** n and dev over [suffix, to) for each suffix (epoch seconds, ascending). */
  sn: number[]
  sdev: number[]
}

export interface ShiftFilter {
  /** Epoch seconds of each suffix's start, ascending. */
  suffixes: number[]
  minShift: number
  minZ: number
  penalty: number
}

/**
 * installShiftSql computed from install minutes already in memory (the
 * sequential test's kept window, bombing-minutes.ts) instead of re-reading
 * and re-grouping the 30-minute window in the engine every 30 s: same minute
 * rows (requests and prompt tokens both positive), same bias-corrected x,
 * same filter (HAVING of install-shift.ts). Sums differ from the engine's
 * only by floating-point order. Installs of features without a baseline are
 * left out (the SQL's k > 0). Pure; rows sorted by tenant, feature, install.
 */
export function shiftRowsFromMinutes(series: Iterable<InstallMinutes>, baselines: Map<string, ContextBaseline>, f: ShiftFilter): ShiftSums[] {
  const out: ShiftSums[] = []
  const looks = f.suffixes.length
  // Scratch sums, copied out for the few installs kept: two arrays per install of the window were most of this
  // function's allocation (≈ 60,000 installs a run at 5,000 ev/s).
  const sn = new Float64Array(looks)
  const sdev = new Float64Array(looks)
  // Each counted minute's time, requests and deviation, for the suffix sums.
  let ts = new Float64Array(64)
  let ks = new Float64Array(64)
  let ds = new Float64Array(64)
  const passes = (c: number, d: number, z: number, sigma: number) => c >= 3 && d >= f.minShift * c && d >= z * sigma * Math.sqrt(c)
  for (const m of series) {
    const b = baselines.get(m.featureKey ?? `${m.tenant_id}\u0000${m.feature}`)
    if (!b || m.minutes.length === 0) continue
    if (ts.length < m.minutes.length) {
      ts = new Float64Array(m.minutes.length * 2)
      ks = new Float64Array(ts.length)
      ds = new Float64Array(ts.length)
    }
    const half = (b.sigma * b.sigma) / 2
    let n = 0
    let dev = 0
    let prompt = 0
    let abs = 0
    let used = 0
    let ascending = true
    for (let i = 0; i < m.minutes.length; i++) {
      const k = m.requests[i]
      const p = m.prompt[i]
      if (k <= 0 || p <= 0) continue
      const d = k * (Math.log(p / k) - half * (1 - 1 / k) - b.mu)
      n += k
      dev += d
      prompt += p
      abs += Math.abs(d)
      if (used > 0 && m.minutes[i] * 60 < ts[used - 1]) ascending = false
      ts[used] = m.minutes[i] * 60
      ks[used] = k
      ds[used++] = d
    }
    if (n === 0) continue
    const z = f.minZ + f.penalty
    let keep = passes(n, dev, f.minZ, b.sigma)
    // Every suffix summed from the newest minute back (one pass, not one per suffix), in another order than the
    // forward sums the rows carry: within `slack` of them (≤ 62 roundings of at most Σ|d| each, bound with room).
    // Only a suffix that may pass by that margin gets its forward sums, as before, so the same installs pass.
    if (!keep && ascending) {
      const slack = abs * 2 ** -40
      let c = 0
      let d = 0
      let i = used - 1
      for (let j = looks - 1; j >= 0 && !keep; j--) {
        for (; i >= 0 && ts[i] >= f.suffixes[j]; i--) {
          c += ks[i]
          d += ds[i]
        }
        keep = passes(c, d + slack, z, b.sigma)
      }
      if (!keep) continue
    }
    sn.fill(0)
    sdev.fill(0)
    for (let i = 0; i < used; i++)
      for (let j = 0; j < looks && ts[i] >= f.suffixes[j]; j++) {
        sn[j] += ks[i]
        sdev[j] += ds[i]
      }
    if (!passes(n, dev, f.minZ, b.sigma)) {
      keep = false
      for (let j = 0; j < looks && !keep; j++) keep = passes(sn[j], sdev[j], z, b.sigma)
      if (!keep) continue
    }
    out.push({
      tenant_id: m.tenant_id,
      feature: m.feature,
      install_id: m.install_id,
      n,
      dev,
      prompt,
      first_minute: firstActive(m),
      sn: Array.from(sn),
      sdev: Array.from(sdev),
    })
  }
  return out.sort((a, b) => cmp(a.tenant_id, b.tenant_id) || cmp(a.feature, b.feature) || cmp(a.install_id, b.install_id))
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function firstActive(m: InstallMinutes): number {
  for (let i = 0; i < m.minutes.length; i++) if (m.requests[i] > 0 && m.prompt[i] > 0) return m.minutes[i]
  return 0
}

/**
 * The window's shifted installs over [from, now]: from `kept` (the install minutes the sequential test already holds
 * for this window) when given, else from the engine (installShiftSql). Same rows either way.
 */
export async function windowShiftRows(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  from: number,
  now: number,
  tenant: string,
  f: ShiftFilter,
  kept?: Iterable<InstallMinutes>,
): Promise<ShiftSums[]> {
  if (kept) return shiftRowsFromMinutes(kept, baselines, f)
  const keys = [...baselines.keys()]
  const rows = await selectRows<Record<string, unknown>>(store, installShiftSql(store.database), {
    tenant,
    keys: keys.map((k) => k.replace('\u0000', '|')),
    mus: keys.map((k) => baselines.get(k)!.mu),
    sigmas: keys.map((k) => baselines.get(k)!.sigma),
    min_shift: f.minShift,
    min_z: f.minZ,
    penalty: f.penalty,
    suffixes: f.suffixes,
    from: toSec(from),
    to: toSec(now) + 1,
    installs: [],
  })
  return rows.map((r) => ({
    tenant_id: String(r.tenant_id),
    feature: String(r.feature),
    install_id: String(r.install_id),
    n: num(r.n),
    dev: num(r.dev),
    prompt: num(r.prompt),
    first_minute: num(r.first_minute),
    sn: (r.sn as unknown[]).map(num),
    sdev: (r.sdev as unknown[]).map(num),
  }))
}
