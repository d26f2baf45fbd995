import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'
import { PATH_MIN_INSTALLS, busyPairs, placeOf, sharedPaths } from '../../lib/detection/token-reuse-paths'

const CLOUDFLARE = { asn: 13335, country: 'US' }
const AKAMAI = { asn: 36183, country: 'US' }
const HOME = { asn: 7922, country: 'US' }
const VPN = { asn: 9009, country: 'US' }

function call(id: string, start: number, net: { asn: number; country: string }, ms = 1_500): NetEvent {
  return { install_id: id, start_ms: start, end_ms: start + ms, ip_prefix: `10.${net.asn % 250}.${start % 7}.0/24`, ...net }
}
/** A relay user: a call every ~40 s for 15 minutes, each on whichever egress the relay picked; some are 50-s streams. */
function relayUser(id: string, seed: number): NetEvent[] {
  return Array.from({ length: 22 }, (_, i) => {
    const t = i * 40_000 + ((i * 7919 + seed * 104_729) % 30_000)
    return call(id, t, (i * 31 + seed) % 3 === 0 ? AKAMAI : CLOUDFLARE, i % 4 === 0 ? 50_000 : 1_500)
  })
}
const counts = (m: Record<string, number>) => (place: string) => m[place] ?? 0

describe('token reuse: two networks most of a tenant’s installs on either use together are one path', () => {
  const relay = Array.from({ length: 40 }, (_, k) => relayUser(`r${k}`, k + 1))

  it('counts pairs of places per install and keeps those used by PATH_MIN_INSTALLS installs or more', () => {
    const pairs = busyPairs(relay)
    expect([...pairs]).toEqual([[`${placeOf(CLOUDFLARE)}\u0000${placeOf(AKAMAI)}`, 40]])
    expect(busyPairs(relay.slice(0, PATH_MIN_INSTALLS - 1)).size).toBe(0)
  })

  it('merges a relay’s two operators when most installs seen on each are seen on both, and scores its users as one network', () => {
    const pathOf = sharedPaths(busyPairs(relay), counts({ [placeOf(CLOUDFLARE)]: 44, [placeOf(AKAMAI)]: 41 }))
    expect(pathOf(placeOf(AKAMAI))).toBe(pathOf(placeOf(CLOUDFLARE)))
    expect(pathOf(placeOf(HOME))).toBe(placeOf(HOME))
    const alone = relay.map((u) => scoreTokenReuse('t', u, S.zAlert))
    const merged = relay.map((u) => scoreTokenReuse('t', u, S.zAlert, -Infinity, pathOf))
    // Without the path the relay's overlapping legs read as two places at once for some users.
    expect(alone.filter((r) => r.score >= 50).length).toBeGreaterThan(0)
    expect(merged.filter((r) => r.score >= 50)).toEqual([])
    expect(merged.every((r) => r.switches === 0)).toBe(true)
  })

  it('pools the evidence of one country’s pair with the same two ASNs elsewhere: a relay’s handful of users in a small country', () => {
    const AU = (n: { asn: number }) => ({ asn: n.asn, country: 'AU' })
    const few = Array.from({ length: 6 }, (_, k) => relayUser(`au${k}`, 100 + k).map((e) => ({ ...e, ...AU(e) })))
    expect(busyPairs(few).size).toBe(0)
    const pairs = busyPairs([...relay, ...few])
    expect(pairs.get(`${placeOf(AU(CLOUDFLARE))}\u0000${placeOf(AU(AKAMAI))}`)).toBe(6)
    const pathOf = sharedPaths(pairs, counts({ [placeOf(CLOUDFLARE)]: 40, [placeOf(AKAMAI)]: 40, [placeOf(AU(CLOUDFLARE))]: 7, [placeOf(AU(AKAMAI))]: 6 }))
    expect(pathOf(placeOf(AU(AKAMAI)))).toBe(pathOf(placeOf(AU(CLOUDFLARE))))
    expect(pathOf(placeOf(AU(AKAMAI)))).not.toBe(pathOf(placeOf(AKAMAI)))
  })

  it('keeps the pair apart when the owners’ network holds many installs that never meet the other (a box replaying harvested tokens)', () => {
    // 12 owners at home on a big ISP, each token also used from one VPN box: the box side is all theirs, the ISP's is not.
    const stolen = Array.from({ length: 12 }, (_, k) => [
      ...Array.from({ length: 10 }, (_, i) => call(`s${k}`, i * 90_000 + k * 1_000, HOME)),
      ...Array.from({ length: 10 }, (_, i) => call(`s${k}`, i * 90_000 + 45_000 + k * 1_000, VPN, 60_000)),
    ])
    const pairs = busyPairs(stolen)
    expect(pairs.size).toBe(1)
    const pathOf = sharedPaths(pairs, counts({ [placeOf(HOME)]: 400, [placeOf(VPN)]: 12 }))
    expect(pathOf(placeOf(VPN))).toBe(placeOf(VPN))
    expect(pathOf(placeOf(HOME))).toBe(placeOf(HOME))
  })

  it('still reads two devices on a shared path as two places', () => {
    const pathOf = sharedPaths(busyPairs(relay), counts({ [placeOf(CLOUDFLARE)]: 40, [placeOf(AKAMAI)]: 40 }))
    const owner = Array.from({ length: 10 }, (_, i) => ({ ...call('x', i * 90_000, i % 2 ? AKAMAI : CLOUDFLARE), device: 'aaaaaaaa11111111' }))
    const thief = Array.from({ length: 20 }, (_, i) => ({ ...call('x', i * 45_000 + 10_000, i % 2 ? CLOUDFLARE : AKAMAI, 40_000), device: 'bbbbbbbb22222222' }))
    const r = scoreTokenReuse(
      't',
      [...owner, ...thief].sort((a, b) => a.start_ms - b.start_ms),
      S.zAlert,
      -Infinity,
      pathOf,
    )
    expect(r.score).toBeGreaterThanOrEqual(50)
    expect(r.reasons.join(' ')).toContain('2 devices on one network')
  })
})
