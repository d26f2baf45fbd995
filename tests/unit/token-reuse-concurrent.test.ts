import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'

/** Home (US cable), a hosting network abroad, a cellular carrier at home, and home's /24 geolocated abroad. */
const HOME = { asn: 7922, country: 'US' }
const ABROAD = { asn: 9009, country: 'RO' }
const CELL = { asn: 21928, country: 'US' }
const HOME_MISPLACED = { asn: 7922, country: 'CA' }

const call = (start: number, len: number, net: { asn: number; country: string }): NetEvent => ({
  install_id: 'i',
  start_ms: start,
  end_ms: start + len,
  ip_prefix: `10.${net.asn % 250}.${net.country.charCodeAt(0)}.0/24`,
  ...net,
})
const score = (events: NetEvent[]) =>
  scoreTokenReuse(
    't',
    [...events].sort((a, b) => a.start_ms - b.start_ms),
    S.zAlert,
  )

describe('token reuse: concurrent use from two countries', () => {
  // The owner calls from home; the thief opens one stream from abroad, seen by its first progress report
  // (30 s, still open), and the owner calls again while it runs.
  const owner = [call(0, 900, HOME), call(25_000, 900, HOME)]
  it('the owner calling while the thief stream from another country and ASN is open alerts on its own', () => {
    const r = score([...owner, call(20_000, 30_000, ABROAD)])
    expect(r.concurrent_uses).toBe(1)
    expect(r.first_concurrent_at).toBe(25_000)
    expect(r.switches).toBe(2)
    expect(r.score).toBeGreaterThanOrEqual(50)
    expect(r.reasons.join(' ')).toContain('two countries at once')
  })

  it('counts one open call once, however many requests start inside it; a second thief stream is a second', () => {
    const one = score([...owner, call(20_000, 40_000, ABROAD), call(35_000, 900, HOME), call(50_000, 900, HOME)])
    expect(one.concurrent_uses).toBe(1)
    const two = score([...owner, call(20_000, 30_000, ABROAD), call(70_000, 30_000, ABROAD), call(80_000, 900, HOME)])
    expect(two.concurrent_uses).toBe(2)
    expect(two.score).toBeGreaterThan(one.score)
  })

  it('a handover there and back across one stream stays in one country: no concurrent use, no alert', () => {
    const r = score([...owner, call(20_000, 30_000, CELL), call(40_000, 900, HOME)])
    expect(r.concurrent_uses).toBe(0)
    expect(r.score).toBeLessThan(50)
  })

  it('a stream that moves from wifi to cellular mid-way (logged on cellular) with wifi requests inside it, and back later, does not', () => {
    // The stream opened on wifi at 100 s and ended on cellular at 160 s (connection migration): the gateway logs it on
    // cellular, so the wifi requests at 110 and 130 s start inside a cellular call. One call, one handover: 4 switches,
    // 2 overlaps (z = zAlert, an alert, until overlaps were judged per call of the other network).
    const r = score([
      call(0, 900, HOME),
      call(30_000, 900, HOME),
      call(100_000, 60_000, CELL),
      call(110_000, 900, HOME),
      call(130_000, 900, HOME),
      call(190_000, 900, CELL),
      call(250_000, 900, CELL),
      call(600_000, 900, HOME),
    ])
    expect(r.switches).toBe(4)
    expect(r.overlaps).toBe(2)
    expect(r.score).toBeLessThan(50)
  })

  it('a /24 of the same ASN geolocated to another country is not a second place', () => {
    const r = score([...owner, call(20_000, 30_000, HOME_MISPLACED), call(40_000, 900, HOME)])
    expect(r.concurrent_uses).toBe(0)
    expect(r.score).toBeLessThan(50)
  })

  it('a VPN switched on during a stream (the new network starts inside the old stream, the old one never calls again) does not', () => {
    const r = score([call(0, 900, HOME), call(10_000, 40_000, HOME), call(30_000, 900, ABROAD), call(45_000, 20_000, ABROAD), call(80_000, 900, ABROAD)])
    expect(r.overlaps).toBe(2)
    expect(r.concurrent_uses).toBe(0)
    expect(r.score).toBeLessThan(25)
  })

  it('one request from abroad between two from home, not overlapping (a VPN on and off), does not', () => {
    const r = score([call(0, 900, HOME), call(20_000, 15_000, ABROAD), call(40_000, 900, HOME)])
    expect(r.concurrent_uses).toBe(0)
    expect(r.score).toBeLessThan(50)
  })

  it('a request that starts within the clock-skew margin of the other stream end is not concurrent', () => {
    const r = score([call(0, 900, HOME), call(20_000, 30_000, ABROAD), call(49_500, 900, HOME)])
    expect(r.concurrent_uses).toBe(0)
    expect(r.score).toBeLessThan(50)
  })
})
