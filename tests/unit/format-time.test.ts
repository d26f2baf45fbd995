// The local zone is set before any date is formatted: west of UTC is where a
// UTC day bucket read in local time names the day before (the bug this guards).
process.env.TZ = 'America/Los_Angeles'

import { describe, expect, it } from 'vitest'
import { bucketLabel, DAY_MS, dateTime, dateTimeZone, formatUnit, isDayStep, quantity, timeTick, utcDay, wallClock, zoneName } from '../../lib/format'

const MAR_1_UTC = Date.UTC(2025, 2, 1)
const HOUR = 3_600_000

describe('time formatting: UTC days, local times with the zone named', () => {
  it('runs in the zone this file set', () => {
    expect(new Date(MAR_1_UTC).getTimezoneOffset()).toBe(8 * 60)
    expect(zoneName(MAR_1_UTC)).toBe('PST')
  })

  it('a UTC-midnight day bucket is labelled with its UTC day, not the local day before', () => {
    expect(utcDay(MAR_1_UTC)).toBe('Mar 1')
    expect(timeTick(MAR_1_UTC, 30 * DAY_MS, { stepMs: DAY_MS })).toBe('Mar 1')
    expect(bucketLabel(MAR_1_UTC, DAY_MS)).toBe('Mar 1, 2025 (UTC day)')
    // The budget chart plots Mar 1's cumulative spend at its end, Mar 2 00:00 UTC, and labels it
    // "through" the day before that point: still Mar 1 in Los Angeles (it used to say Feb 28).
    const endOfMar1 = MAR_1_UTC + DAY_MS
    expect(utcDay(endOfMar1 - DAY_MS)).toBe('Mar 1')
    expect(new Date(endOfMar1 - DAY_MS).toLocaleDateString('en-US', { month: 'short', day: 'numeric' })).toBe('Feb 28')
  })

  it('intra-day buckets and single times are local, with the zone available once', () => {
    expect(timeTick(MAR_1_UTC, HOUR)).toBe('16:00')
    expect(timeTick(MAR_1_UTC, 3 * DAY_MS, { stepMs: HOUR })).toBe('Feb 28 16:00')
    expect(timeTick(MAR_1_UTC, 20 * DAY_MS, { stepMs: 6 * HOUR })).toBe('Feb 28')
    expect(dateTime(MAR_1_UTC)).toBe('2025-02-28 16:00:00')
    expect(dateTimeZone(MAR_1_UTC)).toBe('2025-02-28 16:00:00 PST')
    expect(bucketLabel(MAR_1_UTC, 60_000)).toBe('2025-02-28 16:00 PST')
    expect(bucketLabel(MAR_1_UTC)).toBe('2025-02-28 16:00 PST')
  })

  it('an explicit zone overrides the local one (the pure form the rule is built on)', () => {
    expect(dateTime(MAR_1_UTC, 'UTC')).toBe('2025-03-01 00:00:00')
    expect(dateTime(MAR_1_UTC, 'Asia/Kolkata')).toBe('2025-03-01 05:30:00')
    expect(timeTick(MAR_1_UTC, HOUR, { timeZone: 'Europe/Berlin' })).toBe('01:00')
    expect(zoneName(MAR_1_UTC, 'UTC')).toBe('UTC')
    expect(zoneName(Date.UTC(2025, 6, 1), 'America/Los_Angeles')).toBe('PDT')
    // Day buckets ignore the zone argument: they are UTC days whatever the viewer's zone.
    expect(timeTick(MAR_1_UTC, 30 * DAY_MS, { stepMs: DAY_MS, timeZone: 'Asia/Tokyo' })).toBe('Mar 1')
  })

  it('midnight is hour 0, not 24', () => {
    expect(wallClock(Date.UTC(2025, 0, 1), 'UTC')).toEqual({ year: 2025, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
    expect(dateTime(Date.UTC(2025, 0, 1, 8), undefined)).toBe('2025-01-01 00:00:00')
  })

  it('only steps of a day or more are day buckets', () => {
    expect(isDayStep(DAY_MS)).toBe(true)
    expect(isDayStep(6 * HOUR)).toBe(false)
    expect(isDayStep(undefined)).toBe(false)
  })
})

describe('counts that may be averages', () => {
  it('keeps fractions instead of rounding an average of 0.4 to 0', () => {
    expect(quantity(0.4)).toBe('0.4')
    expect(quantity(0.35)).toBe('0.35')
    expect(quantity(2.5)).toBe('2.5')
    expect(quantity(12.34)).toBe('12.3')
    expect(quantity(3)).toBe('3')
    expect(quantity(1234)).toBe('1,234')
    expect(quantity(1234.6)).toBe('1,235')
    expect(formatUnit(0.4, 'count')).toBe('0.4')
    expect(formatUnit(1500, 'count')).toBe('1,500')
  })
})
