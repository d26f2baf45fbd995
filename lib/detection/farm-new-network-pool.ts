import type { FarmInstall } from './farm-clusters'
import { MARKET_MIN_NETWORKS, withoutMarketArrivals } from './farm-market-arrival'
import { NEW_NETWORK, NEW_NETWORK_MIN_INSTALLS, NEW_NETWORK_SURGE, NEWNESS_Z_CAP, newnessByHorizon, type NewnessGroup } from './farm-new-network'
import { binomialZ } from './stats'

/**
 * Fewest new installs on one network for it to join a pool. A provider holding 5 of the hour's new installs while
 * the tenant's users are not on it is itself unlikely (its own z is required too); one or two are how a big tenant's
 * users trickle in from small ISPs, and are never pooled.
 */
export const POOL_MIN_PER_NETWORK = 5

/**
 * A farm split over several hosting providers (red team round 5: 40 new installs on 3 cloud ASNs, about 13 on
 * each) stays under NEW_NETWORK_MIN_INSTALLS on every one of them, while what `new_network` rests on still holds
 * for all of them together: real users live on the carriers and ISPs the tenant already sees.
 *
 * The networks that each hold at least POOL_MIN_PER_NETWORK new installs, each surging on its own (its new-network
 * z ≥ zMin: its share of the new installs against NEW_NETWORK_SURGE times its share of the established ones), none
 * behind one /24, and none a country arriving (farm-market-arrival.ts, with that country's count lowered to as many
 * networks' worth) are pooled when there are two or more of them. The pool is judged as one network is: its members'
 * share of the tenant's new installs against NEW_NETWORK_SURGE times the networks' summed established share, with at
 * least NEW_NETWORK_MIN_INSTALLS members. Each horizon (new in the window, new or woken in the burst) is pooled on
 * its own; the strongest pool stands, as one group whose value lists its networks.
 *
 * A pool with one network in it, or of networks each large enough to be judged alone, is left to `new_network`. Blind spots: a farm spread so
 * thin that no provider holds 5 of its installs; a farm on several providers of a country the tenant has no users
 * in (a market arriving, as for one network).
 */
export function pooledNetworkGroups(list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0): NewnessGroup[] {
  let best: NewnessGroup | null = null
  for (const { groups, freshTotal } of newnessByHorizon(list, NEW_NETWORK, windowStart, burstStart, POOL_MIN_PER_NETWORK)) {
    const surging = groups.filter((g) => g.z >= zMin)
    if (surging.length < 2) continue
    const countryMin = MARKET_MIN_NETWORKS * POOL_MIN_PER_NETWORK
    const pool = withoutMarketArrivals(surging, list, windowStart, minSize, burstStart, zMin, countryMin)
    const members = pool.flatMap((g) => g.members)
    if (pool.length < 2 || members.length < Math.max(minSize, NEW_NETWORK_MIN_INSTALLS)) continue
    // Networks that all hold enough new installs to be judged alone add nothing pooled.
    if (pool.every((g) => g.members.length >= NEW_NETWORK_MIN_INSTALLS)) continue
    const p0 = NEW_NETWORK_SURGE * pool.reduce((a, g) => a + g.share, 0)
    if (p0 >= 1) continue
    const z = Math.min(NEWNESS_Z_CAP, Math.max(0, binomialZ(members.length, freshTotal, p0)))
    if (z < zMin || (best && best.z >= z)) continue
    const value = pool
      .map((g) => g.value)
      .sort()
      .join(' + ')
    best = { trait: NEW_NETWORK.trait, signal: NEW_NETWORK.signal, value, members, z }
  }
  return best ? [best] : []
}
