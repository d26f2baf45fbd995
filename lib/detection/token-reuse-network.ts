import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import { appendTo } from './collect'
import { num } from './query'
import { prefixInstallsSql } from './sql/token-reuse'
import { ALERT_SCORE, severityFor } from './settings'
import type { TokenReuseRow } from './types'

/**
 * A network that replays tokens. When the tokens of two or more installs of a
 * tenant are proven reused (at the alert line) and those installs share a /24,
 * that /24 is where a thief runs: one box replaying harvested tokens (a
 * malicious SDK, a leaked log), each at a rate too low to prove on its own in
 * minutes. Another install of the tenant seen from that /24 *and* from a
 * network of another ASN or country in the same window is then one of its
 * tokens: named with the others, at the alert line, however little its own
 * timing shows (round 6's harvested batch: one owner of six, at 0.6 calls a
 * minute, never showed evidence of its own).
 *
 * Only for a /24 most of whose installs in the window were also seen elsewhere
 * (REPLAY_SHARE_MIN of them, from install_network_minute): a box's installs
 * all are (each token's owner uses it at home), while a home, office or
 * carrier /24 holds many installs that stay on it. Two proven installs behind
 * one carrier's address pool, their thieves elsewhere, thus do not put every
 * phone of that pool that also used wifi under suspicion. The unknown /24
 * (0.0.0.0/24: the gateway could not place the address) is no network.
 * Places are networks of another ASN or country: a token proven reused by two
 * devices on one network (a flatmate) says nothing about which network replays.
 */
export const REPLAY_PROVEN_MIN = 2
export const REPLAY_SHARE_MIN = 0.5

/** Per tenant, the /24s that at least REPLAY_PROVEN_MIN installs at the alert line were seen from, with those installs. */
export function replayNetworkCandidates(rows: readonly TokenReuseRow[]): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>()
  for (const r of rows) {
    if (r.score < ALERT_SCORE || placesOf(r) < 2) continue
    const byPrefix = out.get(r.tenant_id) ?? new Map<string, string[]>()
    for (const prefix of new Set(prefixesOf(r))) appendTo(byPrefix, prefix, r.install_id)
    out.set(r.tenant_id, byPrefix)
  }
  for (const [tenant, byPrefix] of out) {
    for (const [prefix, ids] of byPrefix) if (ids.length < REPLAY_PROVEN_MIN) byPrefix.delete(prefix)
    if (byPrefix.size === 0) out.delete(tenant)
  }
  return out
}

/**
 * Names the installs of `rows` (scored, one tenant's or all) seen from a replay network of their tenant: `candidates`
 * from replayNetworkCandidates, `installsOn` the count of every install of the tenant seen from a /24 in the window
 * (0 when unknown). Rows are changed in place; the named ones are returned.
 */
export function nameReplayNetworkSharers(
  rows: TokenReuseRow[],
  candidates: Map<string, Map<string, string[]>>,
  installsOn: (tenant: string, prefix: string) => number,
  windowMinutes: number,
): TokenReuseRow[] {
  const twoNetwork = new Map<string, Map<string, number>>()
  for (const r of rows) {
    const byPrefix = candidates.get(r.tenant_id)
    if (!byPrefix || placesOf(r) < 2) continue
    const counts = twoNetwork.get(r.tenant_id) ?? new Map<string, number>()
    for (const prefix of new Set(prefixesOf(r))) if (byPrefix.has(prefix)) counts.set(prefix, (counts.get(prefix) ?? 0) + 1)
    twoNetwork.set(r.tenant_id, counts)
  }
  const named: TokenReuseRow[] = []
  for (const r of rows) {
    if (r.score >= ALERT_SCORE || placesOf(r) < 2) continue
    const byPrefix = candidates.get(r.tenant_id)
    // The /24 of most proven installs, if the install shares more than one (their owners' carrier pool and the box).
    const prefix =
      byPrefix &&
      prefixesOf(r)
        .filter((p) => byPrefix.has(p))
        .sort((a, b) => byPrefix.get(b)!.length - byPrefix.get(a)!.length)[0]
    if (!byPrefix || !prefix) continue
    const total = installsOn(r.tenant_id, prefix)
    const elsewhere = twoNetwork.get(r.tenant_id)?.get(prefix) ?? 0
    if (total <= 0 || elsewhere < REPLAY_SHARE_MIN * total) continue
    const proven = byPrefix.get(prefix)!
    r.score = ALERT_SCORE
    r.severity = severityFor(ALERT_SCORE)
    r.reasons = [
      ...r.reasons,
      `also used from ${prefix}, the /24 that the tokens of ${proven.length} other installs of this tenant were proven replayed from (${proven.slice(0, 3).join(', ')}${proven.length > 3 ? ', …' : ''}); of the ${total} installs seen from it in the last ${windowMinutes} min, ${elsewhere} were also seen from another network, as a box replaying tokens makes`,
    ]
    named.push(r)
  }
  return named
}

/**
 * The detector's step (token-reuse.ts): the replay networks of the scored rows, how many installs of their tenant
 * each held in the window (one query per tenant that has one, none otherwise), and the installs they name.
 */
export async function nameByReplayNetworks(
  store: Store,
  rows: TokenReuseRow[],
  window: { from: number; to: number },
  windowMinutes: number,
): Promise<TokenReuseRow[]> {
  const candidates = replayNetworkCandidates(rows)
  const installsOn = new Map<string, number>()
  for (const [tenant, byPrefix] of candidates)
    for (const r of await selectRows<{ ip_prefix: string; installs: number | string }>(store, prefixInstallsSql(store.database), {
      ...window,
      tenant,
      prefixes: [...byPrefix.keys()],
    }))
      installsOn.set(`${tenant}\u0000${r.ip_prefix}`, num(r.installs))
  return nameReplayNetworkSharers(rows, candidates, (tenant, prefix) => installsOn.get(`${tenant}\u0000${prefix}`) ?? 0, windowMinutes)
}

function prefixesOf(r: TokenReuseRow): string[] {
  return r.networks.flatMap((n) => n.ip_prefixes).filter((p) => p !== '' && p !== UNKNOWN_INSTALL_CONTEXT.ip_prefix)
}

/** How many networks (ASN and country) the install was seen from; two devices on one network are one. */
function placesOf(r: TokenReuseRow): number {
  return new Set(r.networks.map((n) => `${n.asn} ${n.country}`)).size
}
