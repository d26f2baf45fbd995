import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import type { FarmInstall } from './farm-clusters'
import { newnessGroups, type NewnessGroup, type NewnessTrait } from './farm-new-network'

/** Fewest networks of one country whose new installs surge together for the surge to read as the country arriving. */
export const MARKET_MIN_NETWORKS = 2
/** Share of a group's members in one country for the group to be that country's. */
const ONE_COUNTRY_SHARE = 0.8

/** The new installs' country, judged as a network is: a country the tenant's established installs hardly come from. */
const NEW_COUNTRY: NewnessTrait<'country'> = {
  trait: 'country',
  signal: 'new_network',
  // Networks the gateway could not place in a country are not one country's carriers.
  key: (i) => (i.country === UNKNOWN_INSTALL_CONTEXT.country ? null : i.country),
  // The same newness as the networks it may clear: lapsed users of one country woken together on its carriers are
  // that country's people returning, not a farm.
  wakes: true,
}

/**
 * A market opening is not a farm. `new_network` (farm-new-network.ts) rests
 * on "real users live on carriers the tenant already sees", which fails on
 * the day an app launches in a country where it had no users: hundreds of
 * new installs arrive on that country's carriers, none of which holds an
 * established install, and each carrier reads as a farm's hosting provider
 * (eval look-alike "launch in a new country": 2 false farm alerts of ~300
 * installs each, one per carrier). What tells them apart is that a country
 * arrives on its carriers together, while a farm sits on its provider: when
 * at least MARKET_MIN_NETWORKS of the surging networks are one country's,
 * and that country itself surges (its share of the new installs against
 * NEW_NETWORK_SURGE times its share of the established ones, the same test
 * and bar as a network's), those networks' groups are a market arriving and
 * are dropped. The farm keeps whatever else it shows (attestation failures,
 * a shared image, lockstep, a build nobody runs).
 *
 * Returns the ASN groups that stand. Pure.
 *
 * Blind spots, stated in docs/detection.md: a farm spread over two or more
 * hosting providers of a country where the tenant has no users passes as a
 * market opening on this signal; a launch in a country with one carrier
 * still reads as a farm. A farm on two providers of a country the tenant
 * already serves is still judged (that country does not surge).
 */
export function withoutMarketArrivals<G extends NewnessGroup>(
  networks: G[],
  list: FarmInstall[],
  windowStart: number,
  minSize: number,
  burstStart: number,
  zMin: number,
  countryMinCount?: number,
): G[] {
  const byCountry = new Map<string, G[]>()
  for (const g of networks) {
    const country = dominantCountry(g.members)
    if (country !== null) byCountry.set(country, [...(byCountry.get(country) ?? []), g])
  }
  const candidates = [...byCountry].filter(([, gs]) => gs.length >= MARKET_MIN_NETWORKS)
  if (candidates.length === 0) return networks
  const arriving = new Set(newnessGroups(list, NEW_COUNTRY, windowStart, minSize, burstStart, zMin, countryMinCount).map((g) => g.value))
  const dropped = new Set(candidates.filter(([country]) => arriving.has(country)).flatMap(([, gs]) => gs))
  return networks.filter((g) => !dropped.has(g))
}

function dominantCountry(members: FarmInstall[]): string | null {
  const counts = new Map<string, number>()
  for (const m of members) counts.set(m.country, (counts.get(m.country) ?? 0) + 1)
  const [country, most] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))
  return most >= ONE_COUNTRY_SHARE * members.length ? country : null
}
