'use client'
import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { DAY_MS, usdAxis, utcDay } from '@/lib/format'
import type { ForecastDay } from '@/lib/budgets/forecast'
import { ChartTooltip } from './ChartTooltip'

export interface BudgetChartProps {
  monthStart: number
  monthEnd: number
  /** Cumulative month spend per UTC day: actual so far, forecast and its P10–P90 band for today on. */
  days: ForecastDay[]
  budgetMicros: number | null
  height?: number
}

/**
 * Cumulative month spend (actual), the month-end forecast from today on with
 * its P10–P90 band, and the budget line. Each point sits at its day's end.
 * Days are UTC days (the budget month starts at UTC midnight), labelled in
 * UTC: west of UTC a local label would name the day before.
 */
export function BudgetChart({ monthStart, monthEnd, days, budgetMicros, height = 220 }: BudgetChartProps) {
  const points = days.map((d) => ({
    t: Math.min(d.t + DAY_MS, monthEnd),
    actual: d.cumForecast === undefined ? d.cumActual : undefined,
    forecast: d.cumForecast,
    band: d.cumP10 !== undefined && d.cumP90 !== undefined ? [d.cumP10, d.cumP90] : undefined,
  }))
  // The forecast line starts where the actual line ends, so the two read as one path.
  const lastActual = [...days].reverse().find((d) => d.cumForecast === undefined)
  if (lastActual) {
    const p = points.find((x) => x.t === lastActual.t + DAY_MS)
    if (p && points.some((x) => x.forecast !== undefined)) {
      p.forecast = lastActual.cumActual
      p.band = [lastActual.cumActual ?? 0, lastActual.cumActual ?? 0]
    }
  }
  const label = (v: unknown) => utcDay(Number(v))
  return (
    <div className="chart" data-testid="budget-chart">
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={points} margin={{ top: 14, right: 12, bottom: 0, left: 4 }}>
          <CartesianGrid vertical={false} strokeDasharray="2 4" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[monthStart, monthEnd]}
            tickFormatter={label}
            minTickGap={30}
            tickLine={false}
            axisLine={false}
          />
          <YAxis tickFormatter={usdAxis} width={60} tickLine={false} axisLine={false} domain={[0, (max: number) => Math.max(max, budgetMicros ?? 0) * 1.05]} />
          <Tooltip
            isAnimationActive={false}
            content={(p) => <ChartTooltip {...(p as object)} unit="usd" labelFormat={(l) => `through ${label(Number(l) - DAY_MS)} (UTC)`} />}
          />
          {budgetMicros !== null && (
            <ReferenceLine
              y={budgetMicros}
              stroke="var(--crit)"
              strokeDasharray="5 4"
              label={{ value: `budget ${usdAxis(budgetMicros)}`, position: 'insideTopLeft', fill: 'var(--crit)', fontSize: 11 }}
            />
          )}
          <Area dataKey="band" name="P10–P90" stroke="none" fill="#ff9f43" fillOpacity={0.18} isAnimationActive={false} connectNulls />
          <Line dataKey="actual" name="month to date" stroke="#6e9fff" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          <Line dataKey="forecast" name="forecast" stroke="#ff9f43" strokeWidth={2} strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />
        </ComposedChart>
      </ResponsiveContainer>
      <div className="legend">
        <span>actual · forecast · P10–P90 band</span>
        <span style={{ marginLeft: 'auto' }}>UTC days</span>
      </div>
    </div>
  )
}
