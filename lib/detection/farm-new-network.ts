import type { FarmInstall } from './farm-clusters'
import { binomialZ } from './stats'
import type { FarmTrait } from './types'

/**
 * New installs concentrated on a value the tenant's established installs
 * hardly have. The farm that passes attestation, spoofs a different real
 * phone per install, spreads over many /24s of one hosting provider and calls
 * on independent clocks leaves no shared fingerprint, build, /24 or lockstep
 * to group it by (red team, `farm_diverse_trickle`: 60 installs over 40 /24s
 * of one cloud ASN, joining over 12 minutes). What it cannot hide is where
 * its installs come from: a burst of new installs on an ASN that holds almost
 * none of the tenant's established installs. Real users live on carriers and
 * ISPs the tenant already sees. The same holds for what a farm runs: one
 * spoofed phone build, or an old app build the store no longer serves
 * (farm-new-build.ts).
 *
 * Signal per value of a trait (`new_network` for an ASN, `new_build` for a
 * build): the binomial tail of its share of the tenant's new installs (first
 * seen in the farm window) against NEW_NETWORK_SURGE times its share of the
 * tenant's established installs (active in the window, first seen before it),
 * smoothed by half an install. The composite null of "up to 10x its usual
 * share" leaves room for a marketing push or a launch in one country (its
 * carriers' shares of new installs grow 2-5x); a provider with no users of
 * the tenant grows hundreds of times. Only the value's new installs are
 * members, and at least NEW_NETWORK_MIN_INSTALLS of them.
 *
 * One egress is not a farm: when one /24 holds more than half of them
 * (a corporate NAT, a QA lab, a hotel, a school), the group is left to the
 * /24 trait, where two behavioural signals are needed.
 *
 * Blind spots of the ASN: a farm on residential proxies of the carriers the
 * tenant's users use (its share stays near theirs). A launch into a country
 * where the tenant had no users looks the same on each of its carriers; it is
 * told apart by arriving on two or more of them at once (farm-market-arrival.ts),
 * so a launch in a country of one carrier still reads as a farm.
 */
export const NEW_NETWORK_SURGE = 10
/**
 * Fewest new installs on one such value: a big tenant's users trickle in from
 * hundreds of small ISPs it rarely sees, a handful each an hour; twenty in an
 * hour from one network with no users is not a trickle.
 */
export const NEW_NETWORK_MIN_INSTALLS = 20
const Z_CAP = 50

/** A trait whose values new installs may crowd onto. */
export interface NewnessTrait<T extends string = FarmTrait> {
  trait: T
  signal: 'new_network' | 'new_build'
  /** The install's value, or null when it has none worth judging (an unknown network). */
  key: (i: FarmInstall) => string | null
  /** Which values may be judged at all, given the established installs of the horizon (default: every value). */
  candidates?: (established: FarmInstall[]) => (members: FarmInstall[]) => boolean
}

export interface NewnessGroup<T extends string = FarmTrait> {
  trait: T
  signal: NewnessTrait['signal']
  value: string
  members: FarmInstall[]
  z: number
}

/** The newness signals of a group not judged on them. */
export const NO_NEWNESS: Record<NewnessTrait['signal'], number> = { new_network: 0, new_build: 0 }

export const NEW_NETWORK: NewnessTrait = { trait: 'asn', signal: 'new_network', key: (i) => (i.asn === 0 ? null : `AS${i.asn}`) }

/**
 * Judged twice, as the newness signal is (farm-clusters.ts): installs first
 * seen in the farm window against those seen before it, and first seen in the
 * last NEW_INSTALL_BURST_MINUTES against the rest, which keeps the signal alive
 * where the store holds less history than the window (the first hour after a
 * deployment, when every install of the window is new). Per value the stronger
 * of the two is kept; groups under zMin are dropped.
 */
export function newnessGroups<T extends string>(
  list: FarmInstall[],
  trait: NewnessTrait<T>,
  windowStart: number,
  minSize: number,
  burstStart = windowStart,
  zMin = 0,
): NewnessGroup<T>[] {
  const best = new Map<string, NewnessGroup<T>>()
  for (const since of burstStart > windowStart ? [windowStart, burstStart] : [windowStart]) {
    for (const g of groupsSince(list, trait, since, minSize)) {
      const had = best.get(g.value)
      if (!had || g.z > had.z) best.set(g.value, g)
    }
  }
  return [...best.values()].filter((g) => g.z >= zMin).sort((a, b) => b.z - a.z)
}

/** The ASN trait alone (new installs from a network the tenant's users do not use). */
export const newNetworkGroups = (list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0) =>
  newnessGroups(list, NEW_NETWORK, windowStart, minSize, burstStart, zMin)

function groupsSince<T extends string>(list: FarmInstall[], trait: NewnessTrait<T>, since: number, minSize: number): NewnessGroup<T>[] {
  const fresh = new Map<string, FarmInstall[]>()
  const established = new Map<string, number>()
  const establishedList: FarmInstall[] = []
  let freshTotal = 0
  for (const i of list) {
    const value = trait.key(i)
    if (i.first_seen >= since) {
      freshTotal++
      if (value === null) continue
      const g = fresh.get(value)
      if (g) g.push(i)
      else fresh.set(value, [i])
    } else {
      establishedList.push(i)
      if (value !== null) established.set(value, (established.get(value) ?? 0) + 1)
    }
  }
  const admits = trait.candidates?.(establishedList) ?? (() => true)
  const out: NewnessGroup<T>[] = []
  for (const [value, members] of fresh) {
    if (members.length < Math.max(minSize, NEW_NETWORK_MIN_INSTALLS) || !admits(members)) continue
    const perPrefix = new Map<string, number>()
    for (const m of members) perPrefix.set(m.ip_prefix, (perPrefix.get(m.ip_prefix) ?? 0) + 1)
    if (Math.max(...perPrefix.values()) > members.length / 2) continue
    const share = ((established.get(value) ?? 0) + 0.5) / (establishedList.length + 1)
    const p0 = Math.min(1, NEW_NETWORK_SURGE * share)
    if (p0 >= 1) continue
    const z = Math.min(Z_CAP, Math.max(0, binomialZ(members.length, freshTotal, p0)))
    out.push({ trait: trait.trait, signal: trait.signal, value, members, z })
  }
  return out
}
