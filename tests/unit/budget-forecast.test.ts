import { describe, expect, it } from 'vitest'
import { budgetStatus, crossingScore } from '../../lib/budgets/evaluate'
import { DAY_MS, forecastMonthEnd, type HourSpend } from '../../lib/budgets/forecast'
import type { Budget } from '../../lib/budgets/store'

const HOUR = 3_600_000
/** Weekday multipliers (Sun..Sat) and a diurnal shape: busy afternoons, quiet nights. */
const WEEK = [0.6, 1.1, 1.2, 1.2, 1.1, 1.0, 0.7]
const diurnal = (h: number) => 0.4 + Math.sin((Math.PI * h) / 24) ** 2

function history(fromMs: number, toMs: number, perDay: (day: number) => number): HourSpend[] {
  const shape = Array.from({ length: 24 }, (_, h) => diurnal(h))
  const sum = shape.reduce((a, b) => a + b, 0)
  const out: HourSpend[] = []
  for (let t = fromMs; t < toMs; t += HOUR) {
    const day = Math.floor(t / DAY_MS) * DAY_MS
    out.push({ t, cost: (perDay(day) * shape[(t - day) / HOUR]) / sum })
  }
  return out
}

const budget = (micros: number, basis: Budget['basis'] = 'forecast'): Budget => ({
  tenant_id: 't',
  feature: '',
  monthly_micros: micros,
  thresholds: [50, 80, 100],
  basis,
  source: 'app',
  updated_at: 0,
  updated_by: 'u',
})

describe('month-end forecast', () => {
  const now = Date.UTC(2026, 10, 16, 12) // Mon 16 Nov 2026, noon UTC
  const start = now - 60 * DAY_MS

  it('says there is no forecast with under 4 weeks of history, instead of a number', () => {
    const f = forecastMonthEnd(
      history(now - 10 * DAY_MS, now, () => 1e9),
      now,
      now - 10 * DAY_MS,
    )
    expect(f.status).toBe('insufficient_history')
    expect(f.historyDays).toBe(9)
    if (f.status === 'insufficient_history') expect(f.reason).toContain('9 complete days')
    // An hour after first start: no $1M extrapolation, just what was spent.
    const young = forecastMonthEnd([{ t: now - HOUR, cost: 5e6 }], now, now - HOUR)
    expect(young.status).toBe('insufficient_history')
    expect(young.monthToDateMicros).toBe(5e6)
  })

  it('a steady weekly pattern forecasts the true month within a narrow band', () => {
    const perDay = (day: number) => 1e9 * WEEK[new Date(day).getUTCDay()]
    const f = forecastMonthEnd(history(start, now, perDay), now, start)
    expect(f.status).toBe('ok')
    if (f.status !== 'ok') return
    const monthStart = Date.UTC(2026, 10, 1)
    let truth = 0
    for (let t = monthStart; t < Date.UTC(2026, 11, 1); t += DAY_MS) truth += perDay(t)
    expect(Math.abs(f.forecastMicros - truth) / truth).toBeLessThan(0.01)
    expect(f.p10Micros).toBeLessThanOrEqual(f.forecastMicros)
    expect(f.p90Micros).toBeGreaterThanOrEqual(f.forecastMicros)
    // The weekday factors matter: a flat run rate would miss Sundays and Saturdays.
    expect(f.days.at(-1)!.cumForecast).toBeCloseTo(f.forecastMicros, -3)
  })

  it('follows a release that doubled cost a week ago, and widens the band for a noisy past', () => {
    const release = now - 8 * DAY_MS
    const noisy = (day: number) => 1e9 * WEEK[new Date(day).getUTCDay()] * (day >= release ? 2 : 1) * (1 + 0.3 * Math.sin((day / DAY_MS) * 2.1))
    const f = forecastMonthEnd(history(start, now, noisy), now, start)
    if (f.status !== 'ok') throw new Error('expected a forecast')
    const daysLeft = (Date.UTC(2026, 11, 1) - now) / DAY_MS
    expect(f.forecastMicros - f.monthToDateMicros).toBeGreaterThan(daysLeft * 1e9 * 1.5)
    expect(f.p90Micros - f.p10Micros).toBeGreaterThan(0.05 * (f.forecastMicros - f.monthToDateMicros))
  })

  it('budget status: the highest threshold reached on the budget basis, and its alert score', () => {
    const f = forecastMonthEnd(
      history(start, now, (d) => 1e9 * WEEK[new Date(d).getUTCDay()]),
      now,
      start,
    )
    if (f.status !== 'ok') throw new Error('expected a forecast')
    const s80 = budgetStatus(budget(Math.round(f.forecastMicros / 0.85)), f)
    expect(s80.crossed).toBe(80)
    expect(crossingScore(s80)).toBeGreaterThanOrEqual(50)
    const actual = budgetStatus(budget(f.forecastMicros, 'actual'), f)
    expect(actual.measured).toBe('actual')
    expect(actual.crossed).toBe(50) // on day 16 of 30, a bit over half the month is spent
    const over = budgetStatus(budget(Math.round(f.monthToDateMicros / 2)), f)
    expect(over.crossed).toBe(100)
    expect(crossingScore(over)).toBe(95)
    expect(budgetStatus(budget(f.forecastMicros * 10), f).crossed).toBeNull()
  })
})
