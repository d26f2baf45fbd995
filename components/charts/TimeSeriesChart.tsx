'use client'
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { formatAxis, isDayStep, zoneName, type Unit } from '@/lib/format'
import { ChartTooltip, tickFor } from './ChartTooltip'
import { colorFor, SEVERITY_COLORS } from './palette'

export interface SeriesDef {
  key: string
  label?: string
  color?: string
}

/** A highlighted span, e.g. a cost anomaly or an alert's firing window. */
export interface ChartMarker {
  from: number
  to: number
  label: string
  severity?: keyof typeof SEVERITY_COLORS
}

export interface TimeSeriesChartProps {
  data: ReadonlyArray<{ t: number }>
  series: SeriesDef[]
  kind?: 'area' | 'line' | 'bar'
  stacked?: boolean
  unit: Unit
  height?: number
  /** The requested window, so the x axis spans it even where data is missing. */
  fromMs: number
  toMs: number
  markers?: ChartMarker[]
  refLines?: { y: number; label: string; color?: string }[]
  legend?: boolean
  totals?: Record<string, number>
  /** Bucket size in ms (the API's stepS × 1000); inferred from the data when omitted. Day buckets are labelled as UTC days. */
  stepMs?: number
}

/** Smallest gap between consecutive points: the bucket size of a gap-free series. */
function inferStep(data: ReadonlyArray<{ t: number }>): number | undefined {
  let step: number | undefined
  for (let i = 1; i < data.length; i++) {
    const d = data[i].t - data[i - 1].t
    if (d > 0 && (step === undefined || d < step)) step = d
  }
  return step
}

/**
 * Pure time-series chart: data in, SVG out. Animation is off so a live
 * refresh swaps values in place instead of replaying a transition.
 */
export function TimeSeriesChart({
  data,
  series,
  kind = 'area',
  stacked = false,
  unit,
  height = 220,
  fromMs,
  toMs,
  markers = [],
  refLines = [],
  legend = true,
  totals,
  stepMs,
}: TimeSeriesChartProps) {
  const span = toMs - fromMs
  const step = stepMs ?? inferStep(data)
  const dayBuckets = isDayStep(step)
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? colorFor(i) }))
  const common = { data: data as { t: number }[], margin: { top: 6, right: 10, bottom: 0, left: 4 } }
  const axes = [
    <CartesianGrid key="g" vertical={false} strokeDasharray="2 4" />,
    <XAxis
      key="x"
      dataKey="t"
      type="number"
      scale="time"
      domain={[fromMs, toMs]}
      tickFormatter={tickFor(span, step)}
      minTickGap={40}
      tickLine={false}
      axisLine={false}
      allowDataOverflow
    />,
    <YAxis key="y" tickFormatter={(v: number) => formatAxis(v, unit)} width={56} tickLine={false} axisLine={false} allowDecimals />,
    <Tooltip
      key="tt"
      content={(p) => <ChartTooltip {...(p as object)} unit={unit} total={stacked} stepMs={step} />}
      cursor={{ stroke: 'var(--border-strong)' }}
      isAnimationActive={false}
    />,
    ...markers.map((m, i) => (
      <ReferenceArea
        key={`m${i}`}
        x1={m.from}
        x2={m.to}
        fill={SEVERITY_COLORS[m.severity ?? 'warning']}
        fillOpacity={0.14}
        stroke={SEVERITY_COLORS[m.severity ?? 'warning']}
        strokeOpacity={0.5}
        label={{ value: m.label, position: 'insideTopLeft', fill: SEVERITY_COLORS[m.severity ?? 'warning'], fontSize: 10 }}
        ifOverflow="hidden"
      />
    )),
    ...refLines.map((r, i) => (
      <ReferenceLine
        key={`r${i}`}
        y={r.y}
        stroke={r.color ?? 'var(--crit)'}
        strokeDasharray="4 4"
        label={{ value: r.label, position: 'insideTopRight', fill: r.color ?? 'var(--crit)', fontSize: 10 }}
      />
    )),
  ]
  const stackId = stacked ? 's' : undefined
  let chart
  if (kind === 'bar') {
    chart = (
      <BarChart {...common} barCategoryGap={1}>
        {axes}
        {colored.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label ?? s.key} stackId={stackId} fill={s.color} isAnimationActive={false} />
        ))}
      </BarChart>
    )
  } else if (kind === 'line') {
    chart = (
      <LineChart {...common}>
        {axes}
        {colored.map((s) => (
          <Line key={s.key} dataKey={s.key} name={s.label ?? s.key} stroke={s.color} dot={false} strokeWidth={1.6} isAnimationActive={false} />
        ))}
      </LineChart>
    )
  } else {
    chart = (
      <AreaChart {...common}>
        {axes}
        {colored.map((s) => (
          <Area
            key={s.key}
            dataKey={s.key}
            name={s.label ?? s.key}
            stackId={stackId}
            type="monotone"
            stroke={s.color}
            fill={s.color}
            fillOpacity={stacked ? 0.55 : 0.18}
            strokeWidth={1.4}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    )
  }
  return (
    <div className="chart">
      <ResponsiveContainer width="100%" height={height}>
        {chart}
      </ResponsiveContainer>
      <div className="legend">
        {legend &&
          colored.length > 1 &&
          colored.map((s) => (
            <span key={s.key}>
              <span className="sw" style={{ background: s.color }} />
              {s.label ?? s.key}
              {totals && totals[s.key] !== undefined && <span className="num"> · {formatAxis(totals[s.key], unit)}</span>}
            </span>
          ))}
        {/* The zone is named once per chart; ticks and tooltips follow the rule in lib/format.ts. */}
        <span style={{ marginLeft: 'auto' }}>{dayBuckets ? 'UTC days' : `times in ${zoneName(toMs)}`}</span>
      </div>
    </div>
  )
}
