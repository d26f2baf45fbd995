import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'

/** The owner's home ISP and a thief on another carrier of the same country: no change of country, no overlap. */
const HOME = { asn: 7922, country: 'US' }
const OTHER = { asn: 21928, country: 'US' }
const MIN = 60_000

/** One short request (1.5 s) of the install from `net`, on the /24 the test gives each network. */
function call(start: number, net: { asn: number; country: string }): NetEvent {
  return { install_id: 'i', start_ms: start, end_ms: start + 1_500, ip_prefix: `10.${net.asn % 250}.1.0/24`, ...net }
}
/** The detector's view: the install's calls in start order. */
function score(events: NetEvent[]) {
  const ordered = events.toSorted((a, b) => a.start_ms - b.start_ms)
  return scoreTokenReuse('t', ordered, S.zAlert)
}
/** A deterministic stand-in for two independent clocks: each side calls about twice a minute, offsets scrambled. */
const clock = (n: number, seed: number) => Array.from({ length: n }, (_, i) => i * 30_000 + ((i * 7919 + seed * 104_729) % 29_000))

/** Seeded Poisson arrivals (mulberry32): `perMinute` calls a minute over `minutes`. */
function poisson(seed: number, perMinute: number, minutes: number): number[] {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const out: number[] = []
  for (let t = -Math.log(1 - next()) * (MIN / perMinute); t < minutes * MIN; t += -Math.log(1 - next()) * (MIN / perMinute)) out.push(Math.round(t))
  return out
}

describe('token reuse: requests alternating between two networks of one country', () => {
  // 19 of 20 (16 within 6 minutes) before the round trips were judged against one phone flipping at the install's own
  // switch rate (token-reuse-timing.ts): that null spares phones flapping every 10-30 s at 6 requests a minute, which
  // made round trips by chance, and costs some of the earliest alerts here (the rest come in the next minutes).
  it('raises an owner and a thief calling twice a minute each on independent clocks within 10 minutes, in 15 of 20 draws or more (16 measured; 10 within 6 minutes)', () => {
    let raised = 0
    for (let seed = 1; seed <= 20; seed++) {
      const events = [...poisson(seed, 2, 10).map((t) => call(t, HOME)), ...poisson(1000 + seed, 2, 10).map((t) => call(t, OTHER))]
      const r = score(events)
      expect(r.fast_country_changes + r.concurrent_uses).toBe(0)
      if (r.score >= 50) {
        raised++
        expect(r.reasons.join(' ')).toMatch(/alternates between 2 networks request by request|used from 2 networks at the same time/)
      }
    }
    expect(raised).toBeGreaterThanOrEqual(15)
  })

  it('leaves a phone flapping between wifi and cellular once a minute alone (it alternates, but never in seconds)', () => {
    const events = clock(15, 5).map((t, i) => call(i * MIN + (t % 20_000), i % 2 ? OTHER : HOME))
    const r = score(events)
    expect(r.switches).toBe(14)
    expect(r.score).toBeLessThan(25)
  })

  it('leaves a commuter alone: wifi and cellular in turns, a switch every 8-15 minutes, 2 requests a minute', () => {
    const events = clock(30, 3).map((t) => call(t, Math.floor(t / (10 * MIN)) % 2 ? OTHER : HOME))
    const r = score(events)
    expect(r.switches).toBe(1)
    expect(r.score).toBeLessThan(25)
  })

  it('leaves a phone that hands over a few times alone, even with many requests', () => {
    // 60 requests in runs of 12: 4 switches where a random order would make ~30.
    const events = clock(60, 4).map((t, i) => call(t, Math.floor(i / 12) % 2 ? OTHER : HOME))
    const r = score(events)
    expect(r.switches).toBe(4)
    expect(r.score).toBeLessThan(25)
  })
})
