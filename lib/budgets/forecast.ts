import type { ForecastDay, MonthForecast } from '../budget-types'
export type { ForecastDay, MonthForecast } from '../budget-types'

/**
 * The month-end spend forecast, one function for the Cost page and the budget
 * alerts. Pure: hourly spend in, forecast out, so both callers agree to the
 * cent and the unit tests need no store.
 *
 * Model, on UTC days:
 * - weekday factors: the median spend of each weekday over the last 4–8 weeks,
 *   divided by the mean of those seven medians (medians, so an attack week does
 *   not teach the model that Tuesdays are expensive);
 * - level: the median of the last 7 days' spend with the weekday taken out,
 *   so a release that changed cost is followed within a week;
 * - the rest of today: the level × today's factor × the share of a day's spend
 *   that usually comes after this hour (diurnal profile from the same weeks);
 * - band: each past day's error against the forecast the model would have made
 *   the day before, re-sampled in 7-day blocks (errors persist: a release or an
 *   attack lasts days) over the days left; P10 and P90 of 400 such months.
 * Under MIN_HISTORY_DAYS complete days there is no forecast, only the reason.
 */

export const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
export const MIN_HISTORY_DAYS = 28
export const MAX_HISTORY_DAYS = 56
const SIMULATIONS = 400

export interface HourSpend {
  t: number
  cost: number
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const i = (sorted.length - 1) * q
  const lo = Math.floor(i)
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo)
}

/** Small deterministic PRNG: the same data always gives the same band. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const weekday = (dayStart: number) => new Date(dayStart).getUTCDay()

/**
 * @param hours spend per hour (hour start, epoch ms) from at least the start of
 *   the month or MAX_HISTORY_DAYS before now, whichever is earlier; hours without
 *   spend may be missing.
 * @param firstDataMs when the scope's data starts: days before it are not
 *   zero-spend days, they are days the store did not see.
 */
export function forecastMonthEnd(hours: HourSpend[], now: number, firstDataMs: number | null): MonthForecast {
  const d = new Date(now)
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  const today = Math.floor(now / DAY_MS) * DAY_MS
  const byDay = new Map<number, number>()
  const byHourOfDay = new Array<number>(24).fill(0)
  // The first day with data counts only if the data starts at its midnight.
  const firstFullDay = firstDataMs === null ? today : Math.ceil(firstDataMs / DAY_MS) * DAY_MS
  const historyFrom = Math.max(firstFullDay, today - MAX_HISTORY_DAYS * DAY_MS)
  for (const h of hours) {
    if (h.t >= now) continue
    const day = Math.floor(h.t / DAY_MS) * DAY_MS
    byDay.set(day, (byDay.get(day) ?? 0) + h.cost)
    if (day >= historyFrom && day < today) byHourOfDay[Math.floor((h.t - day) / HOUR_MS)] += h.cost
  }
  const monthToDateMicros = [...byDay].filter(([t]) => t >= monthStart).reduce((s, [, c]) => s + c, 0)
  const history: { t: number; cost: number }[] = []
  for (let t = historyFrom; t < today; t += DAY_MS) history.push({ t, cost: byDay.get(t) ?? 0 })

  const days: ForecastDay[] = []
  let cum = 0
  for (let t = monthStart; t < monthEnd && t <= today; t += DAY_MS) {
    cum += byDay.get(t) ?? 0
    days.push({ t, actual: byDay.get(t) ?? 0, cumActual: cum })
  }
  const common = { monthStart, monthEnd, now, monthToDateMicros, historyDays: history.length, days }
  if (history.length < MIN_HISTORY_DAYS) {
    const have = history.length === 1 ? '1 complete day' : `${history.length} complete days`
    return {
      ...common,
      status: 'insufficient_history',
      neededDays: MIN_HISTORY_DAYS,
      reason: `Not enough history for a forecast: ${have} of spend, ${MIN_HISTORY_DAYS} needed (4 weeks, so every weekday is seen 4 times).`,
    }
  }

  // Weekday factors from medians, normalised to a mean of 1.
  const perWeekday: number[][] = Array.from({ length: 7 }, () => [])
  for (const h of history) perWeekday[weekday(h.t)].push(h.cost)
  const medians = perWeekday.map(median)
  const meanMedian = medians.reduce((s, m) => s + m, 0) / 7
  const factor = medians.map((m) => (meanMedian > 0 && m > 0 ? m / meanMedian : 1))
  const deseasoned = history.map((h) => h.cost / factor[weekday(h.t)])
  const level = median(deseasoned.slice(-7))

  // One-day-ahead errors: what the model would have said each day, given the 7 before it.
  const errors: number[] = []
  for (let i = 7; i < history.length; i++) {
    const predicted = median(deseasoned.slice(i - 7, i)) * factor[weekday(history[i].t)]
    if (predicted > 0) errors.push(history[i].cost / predicted)
  }

  // The rest of today follows the usual diurnal profile.
  const dayTotal = byHourOfDay.reduce((s, c) => s + c, 0)
  const hourFloat = (now - today) / HOUR_MS
  let doneShare = 0
  for (let h = 0; h < 24; h++) doneShare += (dayTotal > 0 ? byHourOfDay[h] / dayTotal : 1 / 24) * Math.min(1, Math.max(0, hourFloat - h))
  const expected: { t: number; micros: number }[] = [{ t: today, micros: level * factor[weekday(today)] * (1 - doneShare) }]
  for (let t = today + DAY_MS; t < monthEnd; t += DAY_MS) expected.push({ t, micros: level * factor[weekday(t)] })

  const point = expected.reduce((s, e) => s + e.micros, 0)
  const rand = mulberry32(history.length * 7919 + (Math.round(level) % 100_003))
  const sims: number[][] = []
  for (let s = 0; s < SIMULATIONS; s++) {
    const path: number[] = []
    let acc = 0
    let j = Math.floor(rand() * errors.length)
    for (let k = 0; k < expected.length; k++) {
      if (k % 7 === 0) j = Math.floor(rand() * errors.length)
      acc += expected[k].micros * (errors.length ? errors[(j + k) % errors.length] : 1)
      path.push(acc)
    }
    sims.push(path)
  }
  let cumPoint = 0
  const todayCum = days.length ? (days[days.length - 1].cumActual ?? 0) : 0
  for (let k = 0; k < expected.length; k++) {
    cumPoint += expected[k].micros
    const at = sims.map((p) => p[k]).sort((a, b) => a - b)
    const row = {
      cumForecast: todayCum + cumPoint,
      cumP10: todayCum + Math.min(cumPoint, quantile(at, 0.1)),
      cumP90: todayCum + Math.max(cumPoint, quantile(at, 0.9)),
    }
    const existing = days.find((x) => x.t === expected[k].t)
    if (existing) Object.assign(existing, row)
    else days.push({ t: expected[k].t, ...row })
  }
  const last = days[days.length - 1]
  return {
    ...common,
    status: 'ok',
    forecastMicros: Math.round(monthToDateMicros + point),
    p10Micros: Math.round(last.cumP10 ?? monthToDateMicros),
    p90Micros: Math.round(last.cumP90 ?? monthToDateMicros),
    levelPerDayMicros: Math.round(level),
    method: `weekday-seasonal level of the last 7 days; P10–P90 from ${errors.length} daily errors over ${history.length} days`,
  }
}
