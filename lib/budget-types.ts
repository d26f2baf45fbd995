/**
 * The shapes of a budget and of its month-end forecast, shared by lib/budgets (which computes them), lib/dashboard
 * (whose API types carry them to the page) and lib/detection (whose budget rows carry them to alerts). They live
 * below those folders so none of them imports another for a type. Times are epoch ms, money integer micro-dollars.
 */

export const BUDGET_BASES = ['forecast', 'actual'] as const
export type BudgetBasis = (typeof BUDGET_BASES)[number]

/** One monthly budget. feature '' = the whole tenant. */
export interface Budget {
  tenant_id: string
  feature: string
  monthly_micros: number
  /** Percent of the budget at which an alert opens, ascending. */
  thresholds: number[]
  /** Whether thresholds apply to month-to-date spend or to the month-end forecast. */
  basis: BudgetBasis
  /** 'app': set on the Cost page; 'seed': from BUDGETS_JSON / BUDGET_MONTHLY_MICROS, never edited. */
  source: 'app' | 'seed'
  updated_at: number | null
  updated_by: string
}

export interface ForecastDay {
  /** UTC day start. */
  t: number
  /** Spend that day (past days and today so far). */
  actual?: number
  /** Cumulative month spend at the day's end: actual for past days, forecast for today and later. */
  cumActual?: number
  cumForecast?: number
  cumP10?: number
  cumP90?: number
}

interface Common {
  monthStart: number
  monthEnd: number
  now: number
  monthToDateMicros: number
  /** Complete UTC days of history the model could use (at most MAX_HISTORY_DAYS). */
  historyDays: number
  days: ForecastDay[]
}

/** The month-end forecast (lib/budgets/forecast.ts) or why there is none. */
export type MonthForecast =
  | (Common & { status: 'ok'; forecastMicros: number; p10Micros: number; p90Micros: number; levelPerDayMicros: number; method: string })
  | (Common & { status: 'insufficient_history'; neededDays: number; reason: string })
