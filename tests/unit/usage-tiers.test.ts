import { describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { installsBy } from '../../lib/queries/install-sketch'
import { coarsestFor, defaultSkip, tiers, usageTiers, type Tier } from '../../lib/queries/usage-tiers'

const D = 86_400_000
const at = (iso: string) => Date.parse(iso)

/**
 * Every second of [from, to) is in exactly one tier, both as the sums cut it (minute edges, hour parts or days) and
 * as the install sketches cut it (minutes, quarter-hours, hours, days). Returns the seconds covered.
 */
function covered(t: ReturnType<typeof tiers>): number {
  const minute = t.hourFrom - t.from + (t.to - t.hourTo)
  const hour = t.dayFrom - t.hourFrom + (t.hourTo - t.dayTo)
  const day = t.dayTo - t.dayFrom
  for (const part of [minute, hour, day]) expect(part).toBeGreaterThanOrEqual(0)
  const sketchMinute = t.quarterFrom - t.from + (t.to - t.quarterTo)
  const quarter = t.hourFrom - t.quarterFrom + (t.quarterTo - t.hourTo)
  for (const part of [sketchMinute, quarter]) expect(part).toBeGreaterThanOrEqual(0)
  expect(sketchMinute + quarter + hour + day).toBe(minute + hour + day)
  for (const b of [t.quarterFrom, t.quarterTo]) if (b !== t.to) expect(b % 900).toBe(0)
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
    expect(coarsestFor(900)).toBe('quarter')
    expect(coarsestFor(300)).toBe('minute')
  })

  it('a 24-hour chart of 15-minute buckets reads quarter-hours inside and minutes at the edges, never hours', () => {
    const to = at('2026-12-04T13:17:00Z')
    const t = tiers({ fromMs: to - D, toMs: to }, coarsestFor(900))
    expect(t.quarterFrom).toBe(at('2026-12-03T13:30:00Z') / 1000)
    expect(t.quarterTo).toBe(at('2026-12-04T13:15:00Z') / 1000)
    expect(t.hourFrom).toBe(t.hourTo)
    expect(t.dayFrom).toBe(t.dayTo)
    expect(covered(t)).toBe(86_400)
    // Hourly buckets with the quarter tier kept: quarters only between the minute edges and the first and last whole hours.
    const h = tiers({ fromMs: to - D, toMs: to }, 'hour', [])
    expect([h.quarterFrom, h.hourFrom, h.hourTo, h.quarterTo]).toEqual(
      ['2026-12-03T13:30:00Z', '2026-12-03T14:00:00Z', '2026-12-04T13:00:00Z', '2026-12-04T13:15:00Z'].map((x) => at(x) / 1000),
    )
    expect(covered(h)).toBe(86_400)
    const short = tiers({ fromMs: at('2026-12-04T13:05:00Z'), toMs: at('2026-12-04T13:50:00Z') }, 'day', [])
    expect(short.quarterFrom).toBe(at('2026-12-04T13:15:00Z') / 1000)
    expect(covered(short)).toBe(45 * 60)
  })

  it('hour-aligned bounds leave no minute edges', () => {
    const t = tiers({ fromMs: at('2026-12-01T10:00:00Z'), toMs: at('2026-12-03T10:00:00Z') })
    expect(t.hourFrom).toBe(t.from)
    expect(t.hourTo).toBe(t.to)
    expect(t.dayTo - t.dayFrom).toBe(86_400)
    expect(covered(t)).toBe(2 * 86_400)
  })

  it('reads quarter-hours only for quarter-hour buckets: elsewhere the edge hours come from minutes', () => {
    const to = at('2026-12-04T13:17:00Z')
    expect(defaultSkip('quarter')).toEqual([])
    expect(defaultSkip('hour')).toEqual(['quarter'])
    const week = tiers({ fromMs: to - 7 * D, toMs: to })
    expect([week.quarterFrom, week.quarterTo]).toEqual([week.hourFrom, week.hourTo])
    expect(week.hourFrom).toBe(at('2026-11-27T14:00:00Z') / 1000)
    expect(week.dayFrom).toBe(at('2026-11-28T00:00:00Z') / 1000)
    expect(covered(week)).toBe(7 * 86_400)
    const quarters = tiers({ fromMs: to - D, toMs: to }, 'quarter')
    expect(quarters.quarterFrom).toBe(at('2026-12-03T13:30:00Z') / 1000)
  })

  it('a skipped tier is read from the next finer tier used, and every second is read once, for any window', () => {
    const to = at('2026-12-04T13:17:00Z')
    // No hours: quarters up to the first and from the last whole day.
    const noHours = tiers({ fromMs: to - 3 * D, toMs: to }, 'day', ['hour'])
    expect([noHours.hourFrom, noHours.hourTo]).toEqual([noHours.dayFrom, noHours.dayTo])
    expect(noHours.quarterFrom).toBe(at('2026-12-01T13:30:00Z') / 1000)
    expect(covered(noHours)).toBe(3 * 86_400)
    const skips: Tier[][] = [[], ['quarter'], ['hour'], ['day'], ['quarter', 'day'], ['quarter', 'hour', 'day']]
    let seed = 17
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 200; i++) {
      const end = to - Math.floor(next() * 40 * 1440) * 60_000
      const len = Math.floor(next() ** 2 * 95 * 1440) * 60_000 + 60_000
      for (const coarsest of ['minute', 'quarter', 'hour', 'day'] as const)
        for (const skip of skips) expect(covered(tiers({ fromMs: end - len, toMs: end }, coarsest, skip))).toBe(len / 1000)
    }
  })

  it('leaves tiers with nothing to read out of the SQL', () => {
    const store = { database: 'db' } as Store
    const reads = (sql: string) => [...sql.matchAll(/FROM db\.(\w+)/g)].map((m) => m[1])
    const aligned = tiers({ fromMs: at('2026-12-01T00:00:00Z'), toMs: at('2026-12-03T00:00:00Z') })
    expect(reads(usageTiers(store, ['cost_micros'], aligned))).toEqual(['usage_day'])
    expect(reads(installsBy(store, null, aligned, { tenant: '' }))).toEqual(['installs_all_day'])
    // The KPIs' last minute rides on the minute read, which is then kept even without edge minutes.
    expect(reads(usageTiers(store, ['cost_micros'], aligned, { lastMinute: true }))).toEqual(['usage_minute', 'usage_day'])
    const week = tiers({ fromMs: at('2026-12-04T13:17:00Z') - 7 * D, toMs: at('2026-12-04T13:17:00Z') })
    expect(reads(usageTiers(store, ['cost_micros'], week))).toEqual(['usage_minute', 'usage_hour', 'usage_day'])
    expect(reads(installsBy(store, 'feature', week, { tenant: 'a' }))).toEqual(['installs_dim_minute', 'installs_dim_hour', 'installs_dim_day'])
    const quarters = tiers({ fromMs: at('2026-12-04T13:17:00Z') - D, toMs: at('2026-12-04T13:17:00Z') }, 'quarter')
    expect(reads(installsBy(store, null, quarters, { tenant: '' }))).toEqual(['installs_all_minute', 'installs_all_quarter'])
  })
})
