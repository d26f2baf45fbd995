import { toIpPrefix } from './ip-prefix'

/** Four dotted numbers, not part of a longer dotted run (1.2.3.4.5 is a version), with an optional prefix length. */
export const IPV4_IN_TEXT = /(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(\/\d{1,2})?(?![\d.])/g
/**
 * Runs of hex groups and colons long enough to be an IPv6 address (at least
 * two colons). Not followed by ".<digit>": that is the IPv4 tail of a mapped
 * address (::ffff:203.0.113.79), which IPV4_IN_TEXT masks.
 */
export const IPV6_IN_TEXT = /(?<![0-9A-Za-z:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(\/\d{1,3})?(?![0-9A-Za-z:]|\.\d)/g

/** Whether a text has enough dots (3) or colons (2) to hold an address at all. */
function mayHoldAddress(text: string): boolean {
  let dots = 0
  let colons = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x2e && ++dots === 3) return true
    if (c === 0x3a && ++colons === 2) return true
  }
  return false
}

// Labels repeat (a few hundred app versions and device models), so most are already known.
const memo = new Map<string, string>()
const MEMO_LIMIT = 50_000

/**
 * A client-sent label (app_version, device_model, os_version) with every
 * valid IPv4 or IPv6 address in it replaced by the prefix events store for
 * ip_prefix (/24, /48), so a gateway that puts the client's address in a
 * label cannot get it stored whole. Anything that does not parse as an
 * address is kept as sent: a label is data, and "300.1.2.3" or "10:00:00"
 * are not addresses. Same input, same output; both the zod schema and the
 * fast path call this.
 */
export function maskLabelAddresses(label: string): string {
  if (!mayHoldAddress(label)) return label
  let masked = memo.get(label)
  if (masked === undefined) {
    masked = label.replace(IPV4_IN_TEXT, (m) => toIpPrefix(m) ?? m).replace(IPV6_IN_TEXT, (m) => toIpPrefix(m) ?? m)
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(label, masked)
  }
  return masked
}
