'use client'
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { DAY_MS, usdAxis, utcDay } from '@/lib/format'
import type { BudgetSummary } from '@/lib/dashboard/types'
import { ChartTooltip } from './ChartTooltip'


/**
 * Cumulative month-to-date spend, the straight-line forecast to month end, and the budget line.
 * Days are UTC days (the budget month and its daily buckets start at UTC midnight), so they are
 * labelled in UTC: west of UTC a local label would name the day before.
 */
export function BudgetChart({ summary, height = 200 }: { summary: BudgetSummary; height?: number }) {
  const { monthStart, monthEnd, now, daily, forecastMicros, monthToDateMicros, budgetMicros } = summary
  const byDay = new Map(daily.map((d) => [d.t, d.cost_micros]))
  const today = Math.floor(now / DAY_MS) * DAY_MS
  const points: { t: number; actual?: number; forecast?: number }[] = []
  let cumulative = 0
  for (let t = monthStart; t < monthEnd; t += DAY_MS) {
    cumulative += byDay.get(t) ?? 0
    const end = t + DAY_MS
    if (t < today) points.push({ t: end, actual: cumulative })
    else if (t === today) points.push({ t: end, actual: cumulative, forecast: monthToDateMicros + ((forecastMicros - monthToDateMicros) * (end - now)) / (monthEnd - now) })
    else points.push({ t: end, forecast: monthToDateMicros + ((forecastMicros - monthToDateMicros) * (end - now)) / (monthEnd - now) })
  }
  const label = (v: unknown) => utcDay(Number(v))
  return (
    <div className="chart">
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={points} margin={{ top: 14, right: 12, bottom: 0, left: 4 }}>
          <CartesianGrid vertical={false} strokeDasharray="2 4" />
          <XAxis dataKey="t" type="number" scale="time" domain={[monthStart, monthEnd]} tickFormatter={label} minTickGap={30} tickLine={false} axisLine={false} />
          <YAxis tickFormatter={usdAxis} width={60} tickLine={false} axisLine={false} domain={[0, (max: number) => Math.max(max, budgetMicros ?? 0) * 1.05]} />
          <Tooltip isAnimationActive={false} content={(p) => <ChartTooltip {...(p as object)} unit="usd" labelFormat={(l) => `through ${label(Number(l) - DAY_MS)} (UTC)`} />} />
          {budgetMicros !== null && <ReferenceLine y={budgetMicros} stroke="var(--crit)" strokeDasharray="5 4" label={{ value: `budget ${usdAxis(budgetMicros)}`, position: 'insideTopLeft', fill: 'var(--crit)', fontSize: 11 }} />}
          <Line dataKey="actual" name="month to date" stroke="#6e9fff" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          <Line dataKey="forecast" name="forecast" stroke="#ff9f43" strokeWidth={2} strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />
        </ComposedChart>
      </ResponsiveContainer>
      <div className="legend"><span style={{ marginLeft: 'auto' }}>UTC days</span></div>
    </div>
  )
}
