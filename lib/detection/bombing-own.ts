import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { ContextBaseline } from './bombing-baselines'
import type { InstallMinutes } from './bombing-minutes'
import { OWN_HISTORY_MINUTES, referenceShift } from './bombing-moderate'
import { historyDev, installHistorySums } from './install-history'
import { num, toSec } from './query'
import { installShiftSql } from './sql/install-shift'

/**
 * An install's own past as its reference for the sequential test, as the
 * moderate group test does (bombing-moderate.ts): an ordinary user whose
 * every request has been 2-3x the feature's median (σ 0.34 in a tight
 * feature: +3σ, a handful among 4,000 installs) is a heavy user, not a
 * bomber, and the feature baseline alone raised it at the first minute of
 * the live traffic. The reference is the install's mean ln context over the
 * OWN_HISTORY_MINUTES before the window, shrunk towards the feature's μ with
 * OWN_PRIOR_REQUESTS pseudo-requests (a few large requests in its past move
 * it little), and used only when above the feature's: an install recruited
 * into an attack (honest before) or a new id is judged against the feature
 * as before. Computed only for the installs with evidence (at 5,000 ev/s about
 * half of them: 12,500 install-features of 9,700 installs).
 *
 * In the detector's tick (`kept`) the sums come from the 90-minute history the
 * moderate test keeps between runs (install-history.ts: a run reads the minute
 * that entered it, not 90 minutes of install_minute for ~10,000 installs;
 * 1.5 s CPU per run at 5,000 ev/s). Same minutes and rows as the SQL read
 * below; the shifts agree to 1e-14
 * (tests/integration/install-history.test.ts). Rows ingested
 * over 30 minutes late are not seen, as for the moderate test.
 *
 * Blind spot: an attacker whose own past already holds the attack (an attack
 * older than the window) is judged against it: its alert opened when the
 * attack began; a continuing attack fades from the per-install test after
 * about an hour (the group tests have the same property).
 */
export async function ownShifts(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  rows: InstallMinutes[],
  from: number,
  tenant: string,
  kept = false,
): Promise<Map<string, number>> {
  if (kept) return keptOwnShifts(store, baselines, rows, from, tenant)
  const installs = [...new Set(rows.map((r) => r.install_id))]
  if (!installs.length) return new Map()
  const keys = [...baselines.keys()]
  const found = await selectRows<Record<string, unknown>>(store, installShiftSql(store.database), {
    from: toSec(from - OWN_HISTORY_MINUTES * 60_000),
    to: toSec(from),
    tenant,
    installs,
    keys: keys.map((k) => k.replace('\u0000', '|')),
    mus: keys.map((k) => baselines.get(k)!.mu),
    sigmas: keys.map((k) => baselines.get(k)!.sigma),
    suffixes: [],
    min_shift: 0,
    min_z: 0,
    penalty: 0,
  })
  const out = new Map<string, number>()
  for (const r of found) {
    const shift = referenceShift({ n: num(r.n), dev: num(r.dev) })
    if (shift > 0) out.set(`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, shift)
  }
  return out
}

async function keptOwnShifts(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  rows: InstallMinutes[],
  from: number,
  tenant: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (!rows.length) return out
  const sums = await installHistorySums(store, tenant, toSec(from - OWN_HISTORY_MINUTES * 60_000), toSec(from))
  for (const r of rows) {
    const key = `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`
    const h = sums(key)
    const b = baselines.get(`${r.tenant_id}\u0000${r.feature}`)
    if (!h || !b) continue
    const shift = referenceShift({ n: h.n, dev: historyDev(h, b.mu, b.sigma) })
    if (shift > 0) out.set(key, shift)
  }
  return out
}

/** The baseline of an install whose own past sits `shift` above the feature's μ: the higher of that and `b`. */
export function ownRebased(b: ContextBaseline, feature: ContextBaseline, shift: number | undefined): ContextBaseline {
  if (shift === undefined || feature.mu + shift <= b.mu) return b
  const mu = feature.mu + shift
  return { ...b, mu, median: Math.exp(mu), source: 'own' }
}
