import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'
import { comparablePlaces, placement } from '../../lib/detection/token-reuse-places'
import { call } from '../helpers/net-traffic'

/** Home wifi (located), a carrier range the gateway's IP database misses (ASN 0, ZZ), a carrier with an ASN but no country. */
const HOME = { asn: 7922, country: 'US' }
const UNLOCATED = { asn: 0, country: 'ZZ' }
const NO_COUNTRY = { asn: 21928, country: 'ZZ' }
const ABROAD = { asn: 9009, country: 'RO' }

const score = (events: NetEvent[]) =>
  scoreTokenReuse(
    't',
    [...events].sort((a, b) => a.start_ms - b.start_ms),
    S.zAlert,
  )

/** A phone flapping between two networks every 20-40 s while calling, with streams that span the handovers. */
function flapping(a: { asn: number; country: string }, b: { asn: number; country: string }): NetEvent[] {
  const out: NetEvent[] = []
  for (let k = 0; k < 24; k++) {
    const net = k % 2 === 0 ? a : b
    out.push(call(k * 30_000, 35_000, net), call(k * 30_000 + 10_000, 900, net))
  }
  return out
}

describe('token reuse: a network the gateway could not place is no second place', () => {
  it('leaves out calls with neither ASN nor country, and blanks a field unknown on any call', () => {
    expect(comparablePlaces([call(0, 1, HOME), call(1, 1, UNLOCATED)])).toHaveLength(1)
    const blanked = comparablePlaces([call(0, 1, HOME), call(1, 1, NO_COUNTRY)])
    expect(blanked.map((e) => e.country)).toEqual(['ZZ', 'ZZ'])
    expect(blanked.map((e) => e.asn)).toEqual([7922, 21928])
    const located = [call(0, 1, HOME), call(1, 1, ABROAD)]
    expect(comparablePlaces(located)).toEqual(located)
  })

  it('the same calls alert when both networks are located in two countries (the test can fail)', () => {
    const r = score(flapping(HOME, ABROAD))
    expect(r.score).toBeGreaterThanOrEqual(50)
  })

  it('home wifi and an unlocated carrier, interleaved with streams across each handover: no alert', () => {
    const r = score(flapping(HOME, UNLOCATED))
    expect(r.concurrent_uses).toBe(0)
    expect(r.fast_country_changes).toBe(0)
    expect(r.score).toBeLessThan(50)
  })

  it('a carrier whose country is unknown is compared on its ASN only: no change of country, no concurrent use', () => {
    const r = score(flapping(HOME, NO_COUNTRY))
    expect(r.fast_country_changes).toBe(0)
    expect(r.concurrent_uses).toBe(0)
  })
})

describe('placement: when a call is known to be on its network', () => {
  const at = (start: number, net: string, seen?: number) => ({ start_ms: start, net, ...(seen === undefined ? {} : { seen_ms: seen }) })

  it('places a network’s first call at its first report and every later one at its start', () => {
    const moved = at(20_000, 'DE', 32_000)
    const later = at(60_000, 'DE', 90_000)
    const events = [at(0, 'US'), at(15_000, 'US'), moved, at(20_200, 'US'), later]
    const placeAt = placement(events, (e) => e.net)
    expect(events.map(placeAt)).toEqual([0, 15_000, 32_000, 20_200, 60_000])
  })

  it('keeps the start when nothing says when the call was first reported, or the report is earlier', () => {
    const events = [at(5_000, 'US'), at(9_000, 'DE', 1_000)]
    const placeAt = placement(events, (e) => e.net)
    expect(events.map(placeAt)).toEqual([5_000, 9_000])
  })
})
