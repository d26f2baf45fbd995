import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'
import { comparableDevices, sourcesOf } from '../../lib/detection/token-reuse-places'
import { UNKNOWN_INSTALL_CONTEXT } from '../../lib/events/schema'

/** The owner's home wifi: one /24, ASN and country for every call here. Only the device differs. */
const HOME = { ip_prefix: '81.2.69.0/24', asn: 2856, country: 'GB' }
const OWNER = { device: 'a1b2c3d4e5f60718', device_model: 'Pixel 8' }
const FLATMATE = { device: '9f86d081884c7d65', device_model: 'Galaxy S23' }
const MIN = 60_000

function call(start: number, device: { device: string; device_model: string }, ms = 1_500): NetEvent {
  return { install_id: 'i', start_ms: start, end_ms: start + ms, ...HOME, ...device }
}
const score = (events: NetEvent[]) =>
  scoreTokenReuse(
    't',
    events.toSorted((a, b) => a.start_ms - b.start_ms),
    S.zAlert,
  )
/** Deterministic jittered clock: `n` calls about `gap` apart, offsets scrambled by `seed`. */
const clock = (n: number, gap: number, seed: number) => Array.from({ length: n }, (_, i) => i * gap + ((i * 7919 + seed * 104_729) % Math.floor(gap * 0.9)))

describe('token reuse: two phones on one network (a flatmate replaying the owner’s token)', () => {
  it('raises an install whose calls interleave from two devices on the same /24, with chat streams overlapping', () => {
    // The owner calls about once every 90 s, the flatmate chats every 40 s with 20-s streams: 15 minutes.
    const owner = clock(10, 90_000, 1).map((t) => call(t, OWNER))
    const thief = clock(22, 40_000, 2).map((t) => call(t + 7_000, FLATMATE, 20_000))
    const r = score([...owner, ...thief])
    expect(r.score).toBeGreaterThanOrEqual(50)
    expect(r.reasons.join(' ')).toMatch(/2 devices on one network/)
    expect(r.networks.map((n) => n.device_model).sort()).toEqual(['Galaxy S23', 'Pixel 8'])
  })

  it('leaves one phone alone that changed device fingerprint once (an OS update, a restored backup)', () => {
    const events = clock(30, 30_000, 3).map((t, i) => call(t, i < 12 ? OWNER : FLATMATE))
    const r = score(events)
    expect(r.switches).toBe(1)
    expect(r.score).toBeLessThan(25)
    expect(r.networks).toHaveLength(2)
  })

  it('reads no device difference when some calls carry the placeholder fingerprint (a producer that fills it on some types only)', () => {
    const unknown = { device: UNKNOWN_INSTALL_CONTEXT.device_fingerprint, device_model: 'unknown' }
    const events = clock(30, 30_000, 4).map((t, i) => call(t, i % 2 ? unknown : OWNER, 20_000))
    const r = score(events)
    expect(r.switches).toBe(0)
    expect(r.score).toBe(0)
    expect(r.networks).toHaveLength(1)
    expect(r.networks[0].device).toBeUndefined()
  })

  it('names devices in evidence only when they differ', () => {
    const r = score(clock(10, MIN, 5).map((t) => call(t, OWNER)))
    expect(r.networks[0]).not.toHaveProperty('device')
    expect(comparableDevices([{ device: 'abc12345' }, { device: '' }]).map((e) => e.device)).toEqual(['', ''])
    expect(
      sourcesOf([
        { asn: 1, country: 'GB', device: 'a' },
        { asn: 2, country: 'GB', device: 'b' },
        { asn: 2, country: 'GB', device: 'c' },
      ]),
    ).toBe('2 networks and 3 devices')
  })
})
