import { appendTo } from './collect'
import type { FarmInstall } from './farm-install'
import { NEW_NETWORK, NEWNESS_Z_CAP, type NewnessGroup } from './farm-new-network'
import { binomialZ, percentile } from './stats'

/**
 * New installs that never stop calling, crowded on one network. A "4G proxy"
 * farm (red team round 7): real second-hand phones with SIM cards of a
 * carrier the tenant's users use, the genuine app (attestation passes), each
 * its own model and fingerprint, hopping between the carrier's address pool
 * by airplane mode, each looping through the app at 2-3 calls a minute. No
 * shared build, /24 or lockstep, and the network is one the tenant's users
 * live on, so the new-network test (farm-new-network.ts) reads a popular
 * carrier's ordinary arrivals. What the farm cannot hide is what it is for:
 * its installs are busy from the first minute and stay busy, which people,
 * new or not, rarely are.
 *
 * Per horizon (new in the farm window; new in the burst), installs observed
 * over at least BUSY_MIN_SPAN_MINUTES interior minutes (farm-installs.ts) are
 * busy when their calls per minute over that span reach the busy line: the
 * tenant's established installs' BUSY_QUANTILE rate, and at least
 * BUSY_MIN_RATE. For each ASN's new installs, the count of busy ones against
 * BUSY_SURGE times the larger of two shares: busy among the established
 * installs, and busy among the tenant's *other* new installs (new users
 * trying the app in a dense first session are busier than established ones
 * averaged over the hour; a launch or a marketing push raises that share on
 * every network alike, so no network stands out; with few other new installs
 * their share leans on the established one, OTHERS_PRIOR installs' worth). Members are the busy new
 * installs of the ASN, at least BUSY_MIN_INSTALLS; one /24 holding more than
 * half of them is one egress (a QA lab, an office), left to the /24 trait.
 * Scored as signal `busy_new`: like every newness signal it needs a second
 * one (the burst of new installs) to alert (farm-clusters.ts, combineSignals).
 *
 * Blind spot: a farm that calls at a person's rate, or that joins slowly
 * enough to look like a carrier's ordinary arrivals, on a carrier the
 * tenant's users use (Known blind spots in docs/detection.md).
 */
export const BUSY_MIN_SPAN_MINUTES = 5
export const BUSY_MIN_RATE = 1
export const BUSY_QUANTILE = 0.9
export const BUSY_SURGE = 3
export const BUSY_MIN_INSTALLS = 10
/** Weight, in installs, of the established share in the other new installs' share. */
const OTHERS_PRIOR = 10

const rateOf = (i: FarmInstall) => i.req_sum / i.span_minutes

/** Groups of busy new installs per ASN, the strongest per ASN over the horizons (z ≥ zMin). */
export function busyNewGroups(list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0): NewnessGroup[] {
  const observed = list.filter((i) => i.span_minutes >= BUSY_MIN_SPAN_MINUTES)
  const best = new Map<string, NewnessGroup>()
  const horizons = burstStart > windowStart ? [windowStart, burstStart] : [windowStart]
  for (const since of horizons) {
    for (const g of busyOnHorizon(observed, since, Math.max(minSize, BUSY_MIN_INSTALLS))) {
      const had = best.get(g.value)
      if (!had || g.z > had.z) best.set(g.value, g)
    }
  }
  return [...best.values()].filter((g) => g.z >= zMin).sort((a, b) => b.z - a.z)
}

function busyOnHorizon(observed: FarmInstall[], since: number, minCount: number): NewnessGroup[] {
  const established = observed.filter((i) => i.first_seen < since)
  const fresh = observed.filter((i) => i.first_seen >= since)
  if (established.length === 0 || fresh.length < minCount) return []
  const line = Math.max(BUSY_MIN_RATE, percentile(established.map(rateOf), BUSY_QUANTILE))
  const isBusy = (i: FarmInstall) => rateOf(i) >= line
  const establishedShare = (established.filter(isBusy).length + 0.5) / (established.length + 1)
  const byNetwork = new Map<string, FarmInstall[]>()
  for (const i of fresh) {
    const key = NEW_NETWORK.key(i)
    if (key !== null) appendTo(byNetwork, key, i)
  }
  const busyFresh = fresh.filter(isBusy).length
  const out: NewnessGroup[] = []
  for (const [value, installs] of byNetwork) {
    const members = installs.filter(isBusy)
    if (members.length < minCount) continue
    const perPrefix = new Map<string, number>()
    for (const m of members) perPrefix.set(m.ip_prefix, (perPrefix.get(m.ip_prefix) ?? 0) + 1)
    if (Math.max(...perPrefix.values()) > members.length / 2) continue
    const others = fresh.length - installs.length
    // Few other new installs say little: their share is pulled towards the established one (OTHERS_PRIOR installs' worth).
    const othersShare = (busyFresh - members.length + OTHERS_PRIOR * establishedShare) / (others + OTHERS_PRIOR)
    const p0 = Math.min(1, BUSY_SURGE * Math.max(establishedShare, othersShare))
    if (p0 >= 1) continue
    const z = Math.min(NEWNESS_Z_CAP, Math.max(0, binomialZ(members.length, installs.length, p0)))
    out.push({ trait: NEW_NETWORK.trait, signal: 'busy_new', value, members, z })
  }
  return out
}
