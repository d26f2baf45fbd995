'use client'
import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { compact, count, formatAxis } from '@/lib/format'
import type { PromptSizeBin } from '@/lib/dashboard/types'

interface HistogramProps {
  bins: PromptSizeBin[]
  markers: { value: number; label: string }[]
  height?: number
}

/** Log-binned distribution; bins flagged as outliers are drawn in the alert colour. */
export function Histogram({ bins, markers, height = 240 }: HistogramProps) {
  const data = bins.map((b) => ({ ...b, name: compact(b.lo) }))
  const binOf = (v: number) => data.find((b) => v >= b.lo && v < b.hi)?.name
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} margin={{ top: 16, right: 10, bottom: 0, left: 4 }} barCategoryGap={2}>
        <CartesianGrid vertical={false} strokeDasharray="2 4" />
        <XAxis dataKey="name" tickLine={false} axisLine={false} interval={0} fontSize={10} />
        <YAxis
          scale="log"
          domain={[1, 'auto']}
          allowDataOverflow
          tickFormatter={(v: number) => formatAxis(v, 'count')}
          width={48}
          tickLine={false}
          axisLine={false}
        />
        <Tooltip
          isAnimationActive={false}
          cursor={{ fill: 'var(--panel-2)' }}
          content={(p) => {
            const b = (p as { payload?: readonly { payload?: (typeof data)[number] }[] }).payload?.[0]?.payload
            if (!p.active || !b) return null
            return (
              <div className="chart-tooltip">
                <div className="t">
                  {count(b.lo)} – {count(b.hi)} tokens of context
                </div>
                <div className="item">
                  <span>Requests</span>
                  <span className="num">{count(b.requests)}</span>
                </div>
                {b.outlier && (
                  <div className="item" style={{ color: 'var(--crit)' }}>
                    Above p99 (outlier)
                  </div>
                )}
              </div>
            )
          }}
        />
        {markers.map((m) => {
          const x = binOf(m.value)
          return x ? (
            <ReferenceLine
              key={m.label}
              x={x}
              stroke="var(--muted)"
              strokeDasharray="3 3"
              label={{ value: m.label, position: 'top', fill: 'var(--muted)', fontSize: 10 }}
            />
          ) : null
        })}
        <Bar dataKey="requests" isAnimationActive={false}>
          {data.map((b) => (
            <Cell key={b.lo} fill={b.outlier ? '#f0555a' : '#6e9fff'} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  )
}
