import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import { num } from './query'
import { placeInstallsSql } from './sql/token-reuse'

/**
 * Shared paths: two networks that a tenant's installs use together, as one. A relay or VPN service whose every
 * connection leaves from whichever of its operators' egress networks is free (iCloud Private Relay: Cloudflare and
 * Akamai, a new egress every half minute, a stream keeping the one it opened on) puts each of its users on two ASNs
 * in the same minutes, with calls overlapping across them: what two places using one token make, once per user (red
 * team round 8: 120 iPhones, 66 false alerts before this). What tells the service from a thief is the population:
 * most of the tenant's installs seen on either network are seen on both. A thief's two places are the owner's network,
 * where most installs never meet the thief's, and the thief's; a box replaying harvested tokens holds mostly those
 * tokens, but their owners' networks hold mostly people who never go near it. So a pair of places (ASN and country)
 * that holds at least PATH_SHARE_MIN of the installs of the tenant seen on each of the two in the window is one path:
 * the two read as one network, if enough installs show it: PATH_MIN_INSTALLS used the pair, or, for places of one
 * country, used that pair of ASNs in any country alike (a relay's operators are the same everywhere; its users in a
 * country with a handful of them are as much its users as those in its biggest). Two devices on a path are still two
 * places (the device is part of a call's place), and so is any network outside it.
 *
 * Blind spots, in docs/detection.md: a thief on the same relay as the owner, with the owner's device identity; and a
 * box replaying the tokens of most of a small network's installs (10 or more, over half of those seen there).
 */
export const PATH_MIN_INSTALLS = 10
export const PATH_SHARE_MIN = 0.5

/** A call's network as token reuse keys it, without the device. */
export const placeOf = (e: Located) => `AS${e.asn} ${e.country}`

interface Located {
  asn: number
  country: string
}

const located = (e: Located) => e.asn !== UNKNOWN_INSTALL_CONTEXT.asn && e.country !== UNKNOWN_INSTALL_CONTEXT.country

/**
 * How many installs used each pair of places (each install's list: the networks it was seen from in the window;
 * unlocated ones left out), for the pairs shown by at least PATH_MIN_INSTALLS (those of one country pooled by their
 * two ASNs). Keys are `a\u0000b`, a < b. Pure.
 */
export function busyPairs(installs: Iterable<readonly Located[]>): Map<string, number> {
  const pairs = new Map<string, number>()
  for (const seen of installs) {
    const places = [...new Set(seen.filter(located).map(placeOf))].sort()
    for (let i = 0; i < places.length; i++)
      for (let j = i + 1; j < places.length; j++) {
        const k = `${places[i]}\u0000${places[j]}`
        pairs.set(k, (pairs.get(k) ?? 0) + 1)
      }
  }
  const shownBy = new Map<string, number>()
  for (const [k, n] of pairs) shownBy.set(evidenceKey(k), (shownBy.get(evidenceKey(k)) ?? 0) + n)
  for (const k of pairs.keys()) if (shownBy.get(evidenceKey(k))! < PATH_MIN_INSTALLS) pairs.delete(k)
  return pairs
}

/** What a pair of places is shown by: the pair of ASNs for two places of one country, else the pair itself. */
function evidenceKey(pair: string): string {
  const [a, b] = pair.split('\u0000')
  const country = (p: string) => p.slice(p.indexOf(' ') + 1)
  return country(a) === country(b) ? `${a.slice(0, a.indexOf(' '))} ${b.slice(0, b.indexOf(' '))}` : pair
}

/**
 * The paths among `pairs` given how many installs of the tenant each place held in the window: each place mapped to
 * one place of its path (the smallest), as a function; places on no path map to themselves. Pure.
 */
export function sharedPaths(pairs: ReadonlyMap<string, number>, installsOn: (place: string) => number): (place: string) => string {
  const parent = new Map<string, string>()
  const root = (p: string): string => {
    const up = parent.get(p)
    return up === undefined || up === p ? p : root(up)
  }
  for (const [k, n] of pairs) {
    const [a, b] = k.split('\u0000')
    if (n < PATH_SHARE_MIN * installsOn(a) || n < PATH_SHARE_MIN * installsOn(b)) continue
    const [ra, rb] = [root(a), root(b)]
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb)
  }
  return (place) => root(place)
}

/**
 * The detector's step (token-reuse-detect.ts): one tenant's candidates' networks in the window (the first pass's), their
 * busy pairs, and for those only one query of how many installs each of their places held in [from, to).
 */
export async function sharedPathsOf(
  store: Store,
  tenant: string,
  installs: Iterable<readonly Located[]>,
  window: { from: number; to: number },
): Promise<(place: string) => string> {
  const pairs = busyPairs(installs)
  if (pairs.size === 0) return (place) => place
  const places = new Set([...pairs.keys()].flatMap((k) => k.split('\u0000')))
  const asns = [...new Set([...places].map((p) => Number(p.slice(2, p.indexOf(' ')))))]
  const counts = new Map<string, number>()
  for (const r of await selectRows<{ asn: number | string; country: string; installs: number | string }>(store, placeInstallsSql(store.database), {
    ...window,
    tenant,
    asns,
  }))
    counts.set(placeOf({ asn: num(r.asn), country: String(r.country) }), num(r.installs))
  return sharedPaths(pairs, (place) => counts.get(place) ?? Infinity)
}
