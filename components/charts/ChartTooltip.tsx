import { bucketLabel, formatUnit, timeTick, type Unit } from '@/lib/format'

interface TooltipItem {
  dataKey?: string | number | ((o: unknown) => unknown)
  name?: string | number
  value?: unknown
  color?: string
}

export interface ChartTooltipProps {
  active?: boolean
  payload?: readonly TooltipItem[]
  label?: unknown
  unit: Unit
  /** Label of the x value; default: the bucket start (UTC day for day buckets, else local time with its zone). */
  labelFormat?: (label: unknown) => string
  /** Bucket size, so day buckets are labelled as UTC days. */
  stepMs?: number
  total?: boolean
}

/** Themed tooltip: time, then each series with its formatted value, largest first, plus an optional total. */
export function ChartTooltip({ active, payload, label, unit, labelFormat, stepMs, total }: ChartTooltipProps) {
  if (!active || !payload || payload.length === 0) return null
  const items = [...payload].filter((p) => typeof p.value === 'number').sort((a, b) => (b.value as number) - (a.value as number))
  const sum = items.reduce((s, p) => s + (p.value as number), 0)
  return (
    <div className="chart-tooltip">
      <div className="t">{labelFormat ? labelFormat(label) : bucketLabel(Number(label), stepMs)}</div>
      {items.map((p) => (
        <div className="item" key={String(p.dataKey)}>
          <span>
            <span className="swatch" style={{ background: p.color }} /> {String(p.name ?? p.dataKey)}
          </span>
          <span className="num">{formatUnit(p.value as number, unit)}</span>
        </div>
      ))}
      {total && items.length > 1 && (
        <div className="item" style={{ borderTop: '1px solid var(--border)', marginTop: 4, paddingTop: 4 }}>
          <span>Total</span>
          <span className="num">{formatUnit(sum, unit)}</span>
        </div>
      )}
    </div>
  )
}

export const tickFor = (spanMs: number, stepMs?: number) => (v: number) => timeTick(v, spanMs, { stepMs })
