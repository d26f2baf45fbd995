'use client'
import { Area, AreaChart, ResponsiveContainer, YAxis } from 'recharts'

/** Inline trend for table rows; no axes, values only matter relative to each other. */
export function Sparkline({ values, color = '#6e9fff', width = 96, height = 24 }: { values: number[]; color?: string; width?: number; height?: number }) {
  const data = values.map((v, i) => ({ i, v }))
  return (
    <div style={{ width, height }} aria-hidden>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 2, right: 0, bottom: 2, left: 0 }}>
          <YAxis hide domain={[0, 'dataMax']} />
          <Area dataKey="v" type="monotone" stroke={color} fill={color} fillOpacity={0.2} strokeWidth={1.2} dot={false} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  )
}
