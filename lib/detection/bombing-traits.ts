import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { InstallTraits } from '../install-types'
import type { BombingGroup } from './bombing-groups'
import { appendTo } from './collect'
import { selectColumns, toSec } from './query'
import { traitsAt, type RunProfiles } from './run-profiles'

export type { RunProfiles }
import { installTraitsSql } from './sql/install-traits'
import { traitSharersSql } from './sql/trait-sharers'

/**
 * Traits of the given installs (tenant\0install → traits): from the run's shared profiles when given (run-profiles.ts),
 * the others read per tenant in chunks.
 */
export async function readTraits(
  store: Store,
  installs: { tenant_id: string; install_id: string }[],
  profiles?: RunProfiles,
): Promise<Map<string, InstallTraits>> {
  const traits = new Map<string, InstallTraits>()
  const byTenant = new Map<string, string[]>()
  if (profiles) {
    const keys = new Set(installs.map((r) => `${r.tenant_id}\u0000${r.install_id}`))
    for (const key of await profiles.traits(keys, traits)) {
      const at = key.indexOf('\u0000')
      appendTo(byTenant, key.slice(0, at), key.slice(at + 1))
    }
  } else for (const r of installs) appendTo(byTenant, r.tenant_id, r.install_id)
  for (const [t, ids] of byTenant) {
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += 2_000) {
      const { rows, cols: c } = await selectColumns<Record<string, unknown>>(store, installTraitsSql(store.database), {
        tenant: t,
        installs: unique.slice(i, i + 2_000),
      })
      for (let j = 0; j < rows; j++) traits.set(`${t}\u0000${c.install_id[j]}`, traitsAt(c, j))
    }
  }
  return traits
}

/** A device fingerprint or a /24 names one device or one network; broader traits hold thousands of honest installs. */
const NARROW_TRAITS = new Set(['device_fingerprint', 'ip_prefix'])
/** A group at the finding level (z ≈ 3.9 at zAlert 6) is standing: its newest ids are looked for. */
const STANDING_SCORE = 25

/**
 * The newest id of a rotating attacker: when the group of its older ids
 * stands (a device fingerprint or /24), it has sent one request or two,
 * too few for the cumulative test to read it (MIN_POSITIVE_LLR), yet a
 * person would name it with the group: same device or network, larger
 * requests than the feature's. So the ids of the tenant sharing a standing
 * group's fingerprint or /24 and seen since `from` are listed here (ids
 * already read left out, at most 500); the caller reads their minutes and
 * the group names those with a positive CUSUM and requests 1.5x the median
 * or more (bombing-groups.ts), without adding to its z.
 */
export async function traitSharers(
  store: Store,
  groups: BombingGroup[],
  known: Set<string>,
  from: number,
): Promise<{ tenant_id: string; install_id: string }[]> {
  const byTenant = new Map<string, { fingerprints: Set<string>; prefixes: Set<string> }>()
  for (const g of groups) {
    if (g.kind !== 'shared_trait' || !NARROW_TRAITS.has(g.trait) || g.score < STANDING_SCORE) continue
    const t = byTenant.get(g.tenant_id) ?? { fingerprints: new Set<string>(), prefixes: new Set<string>() }
    ;(g.trait === 'device_fingerprint' ? t.fingerprints : t.prefixes).add(g.value)
    byTenant.set(g.tenant_id, t)
  }
  const out: { tenant_id: string; install_id: string }[] = []
  for (const [tenant, t] of byTenant) {
    const rows = await selectRows<Record<string, unknown>>(store, traitSharersSql(store.database), {
      tenant,
      from: toSec(from),
      fingerprints: [...t.fingerprints],
      prefixes: [...t.prefixes],
    })
    for (const r of rows) if (!known.has(`${tenant}\u0000${r.install_id}`)) out.push({ tenant_id: tenant, install_id: String(r.install_id) })
  }
  return out
}
