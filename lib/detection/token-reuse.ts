import { severityFor } from './settings'
import { placeOf } from './token-reuse-paths'
import { comparableDevices, comparablePlaces, evidenceNetworks, newPlace, placement, sourcesOf, type NetEvent, type Place } from './token-reuse-places'
import { QUICK_GAP_MS, timingEvidence } from './token-reuse-timing'
import { zToScore } from './stats'
import type { TokenReuseRow } from './types'

/**
 * Token reuse: one install id (one attestation token) used from two networks
 * at once, or from two countries closer in time than travel allows. A phone
 * has one active network path: it hands over from wifi to cellular and back,
 * one after the other, a few times an hour at most. A stolen or replayed
 * token runs beside its owner: requests from both networks interleave, and
 * a request from one arrives while a stream from the other is still open.
 *
 * Networks are told apart by ASN or country (a carrier moving a phone
 * between /24s of its own CGNAT is one network), as far as the gateway could
 * look them up, and by device (a second phone on the owner's wifi is another
 * place; token-reuse-places.ts: an unknown is no difference). Over the last
 * TOKEN_WINDOW_MINUTES, per install:
 *  - switches: changes of network between consecutive requests (by start);
 *  - overlaps: requests that start while a request or stream of another
 *    network is open (a one-second margin for clock skew);
 *  - fast country changes: consecutive requests from different countries
 *    less than TRAVEL_MS apart.
 *  - concurrent uses: requests or streams of one network during which a
 *    request started from another country *and* ASN that the install was
 *    already using before that call began (open as seen by its close or by
 *    a `stream_progress` report made after the request started). The
 *    install was then in two countries within one call: X, then Y, then X
 *    again while Y is still being served. Counted once per open call, so a
 *    stream the gateway keeps open after its client left counts once,
 *    however many requests follow it.
 * One handover is one switch and at most the tail of one stream of overlap,
 * which scores nothing: the old network starts nothing new. The score needs
 * both repeated alternation and repeated overlap (z = zAlert at 3 switches
 * and 2 overlaps, the geometric mean of the two counts against those
 * anchors), or FAST_COUNTRY changes of country in quick succession, or one
 * concurrent use (z = zAlert × √concurrent uses). A handover there and back
 * across one stream stays in one country, so it is no concurrent use.
 *
 * Alternation, for a thief who neither overlaps nor changes country (same
 * country, another carrier, short requests): two devices sharing a token
 * interleave their requests at random, A B B A B A…, so the install switches
 * networks about as often as a random order of its requests would,
 * (N − 1)(1 − Σ pₖ²) times for N requests split pₖ between networks. One
 * phone that hands over keeps one network for runs of many requests (a
 * commuter: a switch every 8–15 minutes). z = zAlert when the switches reach
 * ALTERNATION_SWITCHES and ALTERNATION_RATIO of the random-order count,
 * growing as √ of both (none under half of each), and only with at least
 * ROUND_TRIPS_MIN quick round trips: X, Y, X again within ROUND_TRIP_MS, two
 * changes of network in seconds, which two devices calling at once make
 * often and one phone hardly ever. A phone flapping between wifi and
 * cellular once a minute alternates too, but never in seconds. "Hardly
 * ever" is judged against the phone's own switching (token-reuse-timing.ts):
 * the round trips must exceed what a phone flipping at its switch rate
 * would make by ROUND_TRIP_Z_MIN, and quick switches must exceed that null
 * in both directions by DIRECTION_Z_MIN (a phone flapping every 10-30 s
 * while calling 6 times a minute makes round trips by chance; one retrying
 * failed wifi requests over cellular makes quick switches one way only).
 *
 * Slow alternation, for the same thief at a request a minute or so, where
 * 15 minutes hold too few round trips: over the last TIMING_WINDOW_MINUTES,
 * quick switches (the next request on the other network within 10 s) in
 * each direction against a phone whose network flips at moments of its own
 * (token-reuse-timing.ts). z = zAlert × (both directions' z combined) /
 * TIMING_Z_ANCHOR, only if each direction's z reaches SLOW_DIRECTION_Z_MIN
 * and with at least ALTERNATION_SWITCHES switches at SLOW_RATIO_MIN of the
 * random-order count.
 */
export const TOKEN_WINDOW_MINUTES = 15
export const TRAVEL_MS = 30 * 60_000
const SKEW_MS = 1_000
const SWITCH_ANCHOR = 2 // switches beyond the first
const OVERLAP_ANCHOR = 2
const FAST_COUNTRY_ANCHOR = 3
const CONCURRENT_ANCHOR = 1
export const ALTERNATION_SWITCHES = 8
export const ALTERNATION_RATIO = 0.6
export const ROUND_TRIP_MS = 20_000
export const ROUND_TRIPS_MIN = 2
export const ROUND_TRIP_Z_MIN = 2
export const DIRECTION_Z_MIN = 0.5
export const TIMING_WINDOW_MINUTES = 60
export const TIMING_Z_ANCHOR = 4
export const SLOW_DIRECTION_Z_MIN = 2
export const SLOW_RATIO_MIN = 0.5
const Z_CAP = 50

export type { NetEvent }

/**
 * Scores one install's events (sorted by start); pure. Every signal but slow
 * alternation reads only the calls still on record at or after
 * `recentFromMs` (ending then or later, as the window's query selects them);
 * slow alternation reads them all (the detector passes the last hour).
 */
export function scoreTokenReuse(
  tenant: string,
  installEvents: NetEvent[],
  zAlert: number,
  recentFromMs = -Infinity,
  pathOf: (place: string) => string = (place) => place,
): TokenReuseRow {
  // A call's place: its network (two on one shared path are one: token-reuse-paths.ts) and its device (two phones on
  // one /24, a flatmate replaying the owner's token, are two places).
  const netKey = (e: NetEvent) => `${pathOf(placeOf(e))}${e.device ? ` ${e.device}` : ''}`
  const install = installEvents[0]?.install_id ?? ''
  const allEvents = comparableDevices(comparablePlaces(installEvents))
  const events = allEvents.filter((e) => e.end_ms >= recentFromMs)
  let switches = 0
  let fastCountry = 0
  let overlaps = 0
  const networks = new Map<string, Place>()
  // Latest end among each network's events seen so far, and the start of that event, to test overlap in one pass.
  const openUntil = new Map<string, number>()
  const openSince = new Map<string, number>()
  const openSeen = new Map<string, number>()
  let prev: NetEvent | null = null
  let firstOverlapAt: number | null = null
  // The other network's calls that requests started in: a stream that moved networks mid-way (logged on the new one) holds
  // the old network's next requests, one call however many.
  const overlapped = new Set<string>()
  // Calls of another country and ASN during which a network already in use started a call: each one is a time the token was in two places.
  const concurrentWith = new Set<string>()
  let firstConcurrentAt: number | null = null
  const placeAt = placement(events, netKey)
  const lastStart = new Map<string, number>()
  for (const e of events) lastStart.set(netKey(e), e.start_ms)
  for (const e of events) {
    const k = netKey(e)
    const seenBefore = networks.get(k)?.first
    if (seenBefore !== undefined) {
      for (const [other, until] of openUntil) {
        const o = networks.get(other)!
        if (o.asn === e.asn || o.country === e.country) continue
        // A request before a network's first call was known to be there may be the phone's last on the old network
        // before the stream moved with it (a traveller joining wifi mid-answer): it counts once the old network is
        // used again after that.
        const known = openSeen.get(other)!
        if (
          until > e.start_ms + SKEW_MS &&
          seenBefore < openSince.get(other)! - SKEW_MS &&
          (e.start_ms >= known - SKEW_MS || lastStart.get(k)! > known + SKEW_MS)
        ) {
          concurrentWith.add(`${other}\u0000${openSince.get(other)}`)
          firstConcurrentAt ??= e.start_ms
          break
        }
      }
    }
    const n = networks.get(k) ?? newPlace(e)
    n.ip_prefixes.add(e.ip_prefix)
    n.events++
    n.first = Math.min(n.first, e.start_ms)
    n.last = Math.max(n.last, e.end_ms)
    networks.set(k, n)
    for (const [other, until] of openUntil) {
      if (other !== k && until > e.start_ms + SKEW_MS) {
        overlaps++
        overlapped.add(`${other}\u0000${openSince.get(other)}`)
        firstOverlapAt ??= e.start_ms
        break
      }
    }
    if (e.end_ms > (openUntil.get(k) ?? 0)) {
      openUntil.set(k, e.end_ms)
      openSince.set(k, e.start_ms)
      openSeen.set(k, placeAt(e))
    }
    if (prev && netKey(prev) !== k) switches++
    prev = e
  }
  // Changes of country with each network's first call placed where it became known (a stream that moved with a
  // handover comes after the requests the phone sent before it moved).
  let placed: NetEvent | null = null
  for (const e of [...events].sort((a, b) => placeAt(a) - placeAt(b))) {
    if (placed && placed.country !== e.country && placeAt(e) - placeAt(placed) < TRAVEL_MS) fastCountry++
    placed = e
  }
  const zTravel = Math.min(Z_CAP, zAlert * Math.sqrt(Math.max(0, fastCountry - 1) / (FAST_COUNTRY_ANCHOR - 1)))
  const concurrent = concurrentWith.size
  const zConcurrent = Math.min(Z_CAP, zAlert * Math.sqrt(concurrent / CONCURRENT_ANCHOR))
  const counts = [...networks.values()].map((n) => n.events)
  const total = counts.reduce((a, b) => a + b, 0)
  const randomOrderSwitches = total > 1 ? (total - 1) * (1 - counts.reduce((a, n) => a + (n / total) ** 2, 0)) : 0
  const alternation = randomOrderSwitches > 0 ? switches / randomOrderSwitches : 0
  const steps = (list: NetEvent[]) => list.map((e) => ({ start_ms: e.start_ms, net: netKey(e) }))
  const recent = timingEvidence(steps(events), ROUND_TRIP_MS)
  // Overlaps inside one call of the other network are also what one phone makes when it flips during a request (once a
  // minute, flapping) or a stream of it moves to the new network: they count only with quick switches both ways.
  const zOverlap =
    overlapped.size < OVERLAP_ANCHOR && recent.weakerZ < DIRECTION_Z_MIN
      ? 0
      : Math.min(Z_CAP, zAlert * Math.sqrt((Math.max(0, switches - 1) / SWITCH_ANCHOR) * (overlaps / OVERLAP_ANCHOR)))
  const roundTrips = recent.roundTrips
  const zAlternation =
    switches >= ALTERNATION_SWITCHES / 2 &&
    alternation >= ALTERNATION_RATIO / 2 &&
    roundTrips >= ROUND_TRIPS_MIN &&
    recent.roundTripZ >= ROUND_TRIP_Z_MIN &&
    recent.weakerZ >= DIRECTION_Z_MIN
      ? Math.min(Z_CAP, zAlert * Math.sqrt((switches / ALTERNATION_SWITCHES) * (Math.min(1, alternation) / ALTERNATION_RATIO)))
      : 0
  const slow = allEvents.length > events.length ? timingEvidence(steps(allEvents), ROUND_TRIP_MS) : recent
  const zSlow =
    slow.switches >= ALTERNATION_SWITCHES && slow.randomOrderRatio >= SLOW_RATIO_MIN && slow.weakerZ >= SLOW_DIRECTION_Z_MIN
      ? Math.min(Z_CAP, (zAlert * slow.combinedZ) / TIMING_Z_ANCHOR)
      : 0
  const z = Math.max(zOverlap, zTravel, zConcurrent, zAlternation, zSlow)
  const score = zToScore(z, zAlert)
  const nets = [...networks.values()].sort((a, b) => b.events - a.events)
  const sources = sourcesOf(nets, (n) => pathOf(placeOf(n)))
  const reasons: string[] = []
  if (zOverlap >= zAlert / 2)
    reasons.push(
      `used from ${sources} at the same time: ${overlaps} requests started while another one's request or stream was open, ${switches} switches between them`,
    )
  if (concurrent > 0)
    reasons.push(
      `in two countries at once ${concurrent} time(s): a request started from a network already in use while a request or stream from another country and ASN was open`,
    )
  if (zAlternation >= zAlert / 2 && zOverlap < zAlert / 2)
    reasons.push(
      `alternates between ${sources} request by request: ${switches} switches in ${total} requests, ${(alternation * 100).toFixed(0)}% of what two devices interleaving at random would make, ${roundTrips} round trips within ${ROUND_TRIP_MS / 1000} s (one phone handing over keeps a network for many requests)`,
    )
  if (zSlow >= zAlert / 2 && zAlternation < zAlert / 2 && zOverlap < zAlert / 2) {
    const minutes = Math.round(((allEvents.at(-1)?.start_ms ?? 0) - (allEvents[0]?.start_ms ?? 0)) / 60_000)
    reasons.push(
      `switches network right after the other network's requests, both ways, over ${minutes} min: of ${slow.switches} switches, ${slow.quick[0]} and ${slow.quick[1]} (one way, the other) came less than ${QUICK_GAP_MS / 1000} s after the previous request, where one phone whose network changes at moments of its own, as often as it switches, would make about ${slow.expected[0].toFixed(1)} and ${slow.expected[1].toFixed(1)}`,
    )
  }
  if (zTravel >= zAlert / 2)
    reasons.push(`${fastCountry} changes of country less than ${TRAVEL_MS / 60_000} min apart (${[...new Set(nets.map((n) => n.country))].join(', ')})`)
  return {
    tenant_id: tenant,
    install_id: install,
    score,
    severity: severityFor(score),
    reasons,
    events: events.length,
    cost_micros: 0,
    switches,
    overlaps,
    fast_country_changes: fastCountry,
    first_overlap_at: firstOverlapAt,
    concurrent_uses: concurrent,
    first_concurrent_at: firstConcurrentAt,
    quick_switches: slow.quick[0] + slow.quick[1],
    quick_switches_expected: Math.round((slow.expected[0] + slow.expected[1]) * 100) / 100,
    networks: evidenceNetworks(nets),
  }
}
