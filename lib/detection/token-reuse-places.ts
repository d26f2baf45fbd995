import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import { num } from './query'
import type { TokenReuseRow } from './types'

/** One call of an install as token reuse reads it: its span, where it came from, and from when that is known. */
export interface NetEvent {
  install_id: string
  start_ms: number
  end_ms: number
  ip_prefix: string
  asn: number
  country: string
  /**
   * When the call was first reported on its network (a stream's first progress report or its close; a request's
   * start). Before it, a stream may have been opened on the network the phone was on and moved with a handover
   * (connection migration): its start is reconstructed, not its network. Absent: the start.
   */
  seen_ms?: number
  /** The device fingerprint of the call (lower case), and its model as the app reported it. */
  device?: string
  device_model?: string
}

interface Located {
  asn: number
  country: string
}

const UNKNOWN_ASN = UNKNOWN_INSTALL_CONTEXT.asn
const UNKNOWN_DEVICE = UNKNOWN_INSTALL_CONTEXT.device_fingerprint
const UNKNOWN_COUNTRY = UNKNOWN_INSTALL_CONTEXT.country

/**
 * A lookup that found nothing says "nowhere known", not "somewhere else".
 * Gateways send ASN 0 and country ZZ when their IP database misses a range
 * (docs/events.md), and real databases miss some carriers' and new IPv6
 * ranges. Read as values, a phone moving between its located home wifi and
 * an unlocated carrier would change ASN *and* country at every handover: a
 * commuter would look like a token used in two countries at once.
 *
 * So an install's calls are compared only on what is known for all of them:
 * a call with neither ASN nor country is left out (it cannot be placed), and
 * if any remaining call lacks its ASN (or its country), that field is blanked
 * on every call of the install, so it makes no difference anywhere. Pure.
 *
 * Blind spot, stated in docs/detection.md: a thief on a network the gateway
 * cannot place is judged only on the fields it can; on a network with neither
 * it is not seen by token reuse at all.
 */
export function comparablePlaces<E extends Located>(events: readonly E[]): E[] {
  const placed = events.filter((e) => e.asn !== UNKNOWN_ASN || e.country !== UNKNOWN_COUNTRY)
  const asnKnown = placed.every((e) => e.asn !== UNKNOWN_ASN)
  const countryKnown = placed.every((e) => e.country !== UNKNOWN_COUNTRY)
  if (asnKnown && countryKnown) return placed
  return placed.map((e) => ({ ...e, asn: asnKnown ? e.asn : UNKNOWN_ASN, country: countryKnown ? e.country : UNKNOWN_COUNTRY }))
}

/**
 * Devices, like places, are compared only where every call of the install carries one: a call with the contract's
 * placeholder fingerprint (or none) blanks the device on every call, so a producer that fills the field on some
 * event types only does not split one phone in two. Pure.
 */
export function comparableDevices<E extends { device?: string }>(events: readonly E[]): E[] {
  if (events.every((e) => !!e.device && e.device !== UNKNOWN_DEVICE)) return [...events]
  return events.map((e) => (e.device ? { ...e, device: '' } : e))
}

interface Timed {
  start_ms: number
  seen_ms?: number
}

/**
 * When each call (sorted by start) is known to be on its network. A network's first call is the handover moment: it
 * may be a stream opened on the network the phone was on and moved with it (connection migration, as QUIC and
 * multipath TCP do), logged on the new network with its start reconstructed from its duration, so its place counts
 * from its first report (`seen_ms`: a progress report or its close). A network's later calls count from their start:
 * a thief's streams after its first are placed where they began. Pure.
 */
export function placement<E extends Timed>(events: readonly E[], networkOf: (e: E) => string): (e: E) => number {
  const first = new Set<E>()
  const seen = new Set<string>()
  for (const e of events) {
    const k = networkOf(e)
    if (seen.has(k)) continue
    seen.add(k)
    first.add(e)
  }
  return (e) => (first.has(e) ? Math.max(e.start_ms, e.seen_ms ?? e.start_ms) : e.start_ms)
}

/** "3 networks", "2 devices on one network", "2 networks and 3 devices": what an install's places are, for a reason. */
export function sourcesOf<P extends { asn: number; country: string; device?: string }>(
  places: readonly P[],
  networkOf: (p: P) => string = (p) => `${p.asn} ${p.country}`,
): string {
  const networks = new Set(places.map(networkOf)).size
  const devices = new Set(places.map((p) => p.device ?? '')).size
  if (devices < 2) return `${networks} networks`
  return networks < 2 ? `${devices} devices on one network` : `${networks} networks and ${devices} devices`
}

/** One row of installEventsSql (sql/token-reuse.ts) as a call. */
export function netEventOf(r: Record<string, unknown>): NetEvent {
  return {
    install_id: String(r.install_id),
    start_ms: num(r.start_ms),
    end_ms: num(r.end_ms),
    seen_ms: num(r.seen_ms),
    ip_prefix: String(r.ip_prefix),
    asn: num(r.asn),
    country: String(r.country),
    device: String(r.device ?? ''),
    device_model: String(r.device_model ?? ''),
  }
}

/** One place an install was used from (a network, and a device where they differ), as the evidence keeps it. */
export interface Place {
  ip_prefixes: Set<string>
  asn: number
  country: string
  device?: string
  device_model?: string
  events: number
  first: number
  last: number
}

export function newPlace(e: NetEvent): Place {
  const { asn, country, device, device_model } = e
  return { ip_prefixes: new Set<string>(), asn, country, device, device_model, events: 0, first: e.start_ms, last: e.end_ms }
}

/** The places of an alert's evidence, busiest first (at most 10, 5 prefixes each); devices only when they differ. */
export function evidenceNetworks(places: readonly Place[]): TokenReuseRow['networks'] {
  const devices = new Set(places.map((m) => m.device)).size > 1
  return places.slice(0, 10).map((n) => ({
    asn: n.asn,
    country: n.country,
    ip_prefixes: [...n.ip_prefixes].slice(0, 5),
    ...(devices ? { device: n.device?.slice(0, 16), device_model: n.device_model } : {}),
    events: n.events,
    first: n.first,
    last: n.last,
  }))
}
