import type { Store } from '../clickhouse/client'
import { hourlySpend, type HourlySpendRow } from '../queries/hourly-spend'
import { DAY_MS, forecastMonthEnd, MAX_HISTORY_DAYS, type HourSpend, type MonthForecast } from './forecast'
import type { Budget } from './store'

/** A budget with where its month stands. */
export interface BudgetStatus {
  budget: Budget
  forecast: MonthForecast
  monthToDateMicros: number
  /** Month-end forecast, null when history is too short for one. */
  forecastMicros: number | null
  /** Share of the budget on the budget's basis (the actual share when there is no forecast). */
  share: number
  /** What `share` measures: a forecast budget falls back to actual spend without a forecast. */
  measured: 'actual' | 'forecast'
  /** Highest threshold (percent) reached, or null. */
  crossed: number | null
}

/** The window forecastMonthEnd needs: back to the month start or MAX_HISTORY_DAYS, whichever is earlier. */
export function forecastWindow(now: number): { fromMs: number; toMs: number } {
  const d = new Date(now)
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  const today = Math.floor(now / DAY_MS) * DAY_MS
  return { fromMs: Math.min(monthStart, today - (MAX_HISTORY_DAYS + 1) * DAY_MS), toMs: now }
}

/** Hours of the rows that match; the first hour with spend stands for when the scope's data starts. */
export function scopeHours(rows: HourlySpendRow[], match: (r: HourlySpendRow) => boolean): { hours: HourSpend[]; first: number | null } {
  const byT = new Map<number, number>()
  for (const r of rows) if (match(r)) byT.set(r.t, (byT.get(r.t) ?? 0) + r.cost)
  const hours = [...byT].map(([t, cost]) => ({ t, cost })).sort((a, b) => a.t - b.t)
  return { hours, first: hours.length ? hours[0].t : null }
}

export function budgetStatus(budget: Budget, forecast: MonthForecast): BudgetStatus {
  const forecastMicros = forecast.status === 'ok' ? forecast.forecastMicros : null
  const measured = budget.basis === 'forecast' && forecastMicros !== null ? 'forecast' : 'actual'
  const value = measured === 'forecast' ? forecastMicros! : forecast.monthToDateMicros
  const share = value / budget.monthly_micros
  const reached = budget.thresholds.filter((p) => share * 100 >= p)
  return {
    budget,
    forecast,
    monthToDateMicros: forecast.monthToDateMicros,
    forecastMicros,
    share,
    measured,
    crossed: reached.length ? Math.max(...reached) : null,
  }
}

/** Every budget's status at `now`, from one query over the forecast window. */
export async function evaluateBudgets(store: Store, budgets: Budget[], now: number): Promise<BudgetStatus[]> {
  if (budgets.length === 0) return []
  const tenants = [...new Set(budgets.map((b) => b.tenant_id))]
  const rows = await hourlySpend(store, {
    ...forecastWindow(now),
    tenant: tenants.length === 1 ? tenants[0] : '',
    byFeature: budgets.some((b) => b.feature !== ''),
  })
  return statusesFrom(rows, budgets, now)
}

/**
 * Each budget's status from hourly spend rows (hourlySpend over forecastWindow(now), by feature when any budget has
 * one). The one place a budget's forecast and share are computed: the budget alerts (evaluateBudgets) and the Cost
 * page (summary.ts) both call it, so the tile and the alert cannot disagree.
 */
export function statusesFrom(rows: HourlySpendRow[], budgets: Budget[], now: number): BudgetStatus[] {
  return budgets.map((b) => {
    const { hours, first } = scopeHours(rows, (r) => r.tenant_id === b.tenant_id && (b.feature === '' || r.feature === b.feature))
    return budgetStatus(b, forecastMonthEnd(hours, now, first))
  })
}

const usd = (micros: number) => `$${(micros / 1e6).toFixed(2)}`

/** Alert score of a crossing: 50 % opens a warning, 100 % is critical (alerts open at 50, critical from 90). */
export function crossingScore(s: BudgetStatus): number {
  if (s.crossed === null) return Math.min(45, Math.round(45 * s.share))
  if (s.monthToDateMicros >= s.budget.monthly_micros) return 95
  return Math.min(95, Math.round(50 + (s.crossed - 50) * 0.9))
}

/** Why the alert fired, in words a finance user reads in Slack. */
export function crossingReason(s: BudgetStatus): string {
  const scope = s.budget.feature ? `${s.budget.tenant_id}/${s.budget.feature}` : s.budget.tenant_id
  const what =
    s.measured === 'forecast'
      ? `month-end forecast ${usd(s.forecastMicros!)} (month to date ${usd(s.monthToDateMicros)})`
      : `month-to-date spend ${usd(s.monthToDateMicros)}${s.budget.basis === 'forecast' ? ' (no forecast yet: history too short)' : ''}`
  return `${scope}: ${what} is ${(s.share * 100).toFixed(0)}% of the ${usd(s.budget.monthly_micros)} monthly budget (threshold ${s.crossed}%)`
}
