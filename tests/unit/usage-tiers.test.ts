import { describe, expect, it } from 'vitest'
import { coarsestFor, tiers } from '../../lib/queries/usage-tiers'

const D = 86_400_000
const at = (iso: string) => Date.parse(iso)

/** Every second of [from, to) is in exactly one tier: minute edges, hour parts or days. */
function covered(t: ReturnType<typeof tiers>): number {
  const minute = t.hourFrom - t.from + (t.to - t.hourTo)
  const hour = t.dayFrom - t.hourFrom + (t.hourTo - t.dayTo)
  const day = t.dayTo - t.dayFrom
  for (const part of [minute, hour, day]) expect(part).toBeGreaterThanOrEqual(0)
  return minute + hour + day
}

describe('usage tiers', () => {
  it('a 30-day window ending mid-hour reads days, hours around them, and minutes at the edges', () => {
    const to = at('2026-12-04T13:17:00Z')
    const t = tiers({ fromMs: to - 30 * D, toMs: to })
    expect(t.dayFrom).toBe(at('2026-11-05T00:00:00Z') / 1000)
    expect(t.dayTo).toBe(at('2026-12-04T00:00:00Z') / 1000)
    expect(t.hourFrom).toBe(at('2026-11-04T14:00:00Z') / 1000)
    expect(t.hourTo).toBe(at('2026-12-04T13:00:00Z') / 1000)
    expect(covered(t)).toBe(30 * 86_400)
  })

  it('a window inside one hour is all minutes; a chart with 3-hour buckets never reads days', () => {
    const from = at('2026-12-04T13:05:00Z')
    const inside = tiers({ fromMs: from, toMs: from + 20 * 60_000 })
    expect(inside.hourFrom).toBe(inside.to)
    expect(covered(inside)).toBe(20 * 60)
    const week = tiers({ fromMs: from - 7 * D, toMs: from }, coarsestFor(3 * 3600))
    expect(week.dayFrom).toBe(week.dayTo)
    expect(covered(week)).toBe(7 * 86_400)
    expect(coarsestFor(86_400)).toBe('day')
    expect(coarsestFor(900)).toBe('minute')
  })

  it('hour-aligned bounds leave no minute edges', () => {
    const t = tiers({ fromMs: at('2026-12-01T10:00:00Z'), toMs: at('2026-12-03T10:00:00Z') })
    expect(t.hourFrom).toBe(t.from)
    expect(t.hourTo).toBe(t.to)
    expect(t.dayTo - t.dayFrom).toBe(86_400)
    expect(covered(t)).toBe(2 * 86_400)
  })
})
