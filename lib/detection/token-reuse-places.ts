import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'

interface Located {
  asn: number
  country: string
}

const UNKNOWN_ASN = UNKNOWN_INSTALL_CONTEXT.asn
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
