import type { FarmInstall } from './farm-clusters'
import { binomialZ } from './stats'

/**
 * New installs from a network the tenant's users do not use: the farm that
 * passes attestation, spoofs a different real phone per install, spreads over
 * many /24s of one hosting provider and calls on independent clocks leaves no
 * shared fingerprint, build, /24 or lockstep to group it by (red team,
 * `farm_diverse_trickle`: 60 installs over 40 /24s of one cloud ASN, joining
 * over 12 minutes). What it cannot hide is where its installs come from: a
 * burst of new installs on an ASN that holds almost none of the tenant's
 * established installs. Real users live on carriers and ISPs the tenant
 * already sees.
 *
 * Signal `new_network`: per ASN, the binomial tail of its share of the
 * tenant's new installs (first seen in the farm window) against
 * NEW_NETWORK_SURGE times its share of the tenant's established installs
 * (active in the window, first seen before it), smoothed by half an install.
 * The composite null of "up to 10x its usual share" leaves room for a
 * marketing push or a launch in one country (its carriers' shares of new
 * installs grow 2-5x); a provider with no users of the tenant grows
 * hundreds of times. Only the ASN's new installs are members, and at least
 * NEW_NETWORK_MIN_INSTALLS of them.
 *
 * One egress is not a farm: when one /24 holds more than half of them
 * (a corporate NAT, a QA lab, a hotel), the group is left to the /24 trait,
 * where two behavioural signals are needed.
 *
 * Blind spots: a farm on residential proxies of the carriers the tenant's
 * users use (its share stays near theirs); a launch into a country where the
 * tenant had no users, on carriers with many /24s, looks the same as a farm
 * (new installs from networks with no established users) and raises it when
 * the new installs are also a burst against the tenant's rate.
 */
export const NEW_NETWORK_SURGE = 10
/**
 * Fewest new installs on one such ASN: a big tenant's users trickle in from
 * hundreds of small ISPs it rarely sees, a handful each an hour; twenty in an
 * hour from one network with no users is not a trickle.
 */
export const NEW_NETWORK_MIN_INSTALLS = 20
const Z_CAP = 50

export interface NewNetworkGroup {
  value: string
  members: FarmInstall[]
  z: number
}

/**
 * Judged twice, as the newness signal is (farm-clusters.ts): installs first
 * seen in the farm window against those seen before it, and first seen in the
 * last NEW_INSTALL_BURST_MINUTES against the rest, which keeps the signal alive
 * where the store holds less history than the window (the first hour after a
 * deployment, when every install of the window is new). Per ASN the stronger
 * of the two is kept; groups under zMin are dropped.
 */
export function newNetworkGroups(list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0): NewNetworkGroup[] {
  const best = new Map<string, NewNetworkGroup>()
  for (const since of burstStart > windowStart ? [windowStart, burstStart] : [windowStart]) {
    for (const g of groupsSince(list, since, minSize)) {
      const had = best.get(g.value)
      if (!had || g.z > had.z) best.set(g.value, g)
    }
  }
  return [...best.values()].filter((g) => g.z >= zMin).sort((a, b) => b.z - a.z)
}

function groupsSince(list: FarmInstall[], since: number, minSize: number): NewNetworkGroup[] {
  const fresh = new Map<number, FarmInstall[]>()
  const established = new Map<number, number>()
  let freshTotal = 0
  let establishedTotal = 0
  for (const i of list) {
    if (i.first_seen >= since) {
      freshTotal++
      const g = fresh.get(i.asn)
      if (g) g.push(i)
      else fresh.set(i.asn, [i])
    } else {
      establishedTotal++
      established.set(i.asn, (established.get(i.asn) ?? 0) + 1)
    }
  }
  const out: NewNetworkGroup[] = []
  for (const [asn, members] of fresh) {
    if (members.length < Math.max(minSize, NEW_NETWORK_MIN_INSTALLS) || asn === 0) continue
    const perPrefix = new Map<string, number>()
    for (const m of members) perPrefix.set(m.ip_prefix, (perPrefix.get(m.ip_prefix) ?? 0) + 1)
    if (Math.max(...perPrefix.values()) > members.length / 2) continue
    const share = ((established.get(asn) ?? 0) + 0.5) / (establishedTotal + 1)
    const p0 = Math.min(1, NEW_NETWORK_SURGE * share)
    if (p0 >= 1) continue
    const z = Math.min(Z_CAP, Math.max(0, binomialZ(members.length, freshTotal, p0)))
    out.push({ value: `AS${asn}`, members, z })
  }
  return out
}
