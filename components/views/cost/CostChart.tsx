'use client'
import { duration, isDayStep } from '@/lib/format'
import type { CostDimension } from '@/lib/dashboard/types'
import type { ChartMarker } from '../../charts/TimeSeriesChart'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useAlerts } from '../../hooks/useAlerts'
import { useCostSeries, useCostSeriesExportUrl, type CostMetric, type Granularity } from '../../hooks/useCost'
import { CsvLink } from '../../ui/CsvLink'
import { QueryPanel } from '../../ui/Panel'

/**
 * Cost anomalies are drawn from the cost-anomaly detector's alerts: each alert
 * spans first_seen → last_seen (or resolution), which is exactly when the
 * anomaly held, and stays visible after the detector's window has moved on.
 */
function useAnomalyMarkers(): ChartMarker[] {
  const alerts = useAlerts({ detector: 'cost_anomalies', limit: 100 })
  return (alerts.data?.alerts ?? []).map((a) => ({
    from: a.first_seen,
    to: Math.max(a.resolved_at ?? a.last_seen, a.first_seen + 60_000),
    label: a.subject,
    severity: a.severity,
  }))
}

const METRIC_LABELS: Record<CostMetric, string> = { spend: 'spend', per_request: 'per request', per_1k_tokens: 'per 1k tokens', per_install: 'per install' }

export function CostChart({
  by,
  granularity,
  onGranularity,
  metric = 'spend',
  onMetric,
}: {
  by: CostDimension
  granularity: Granularity
  onGranularity: (g: Granularity) => void
  metric?: CostMetric
  onMetric?: (m: CostMetric) => void
}) {
  const q = useCostSeries(by, granularity, metric)
  const unitCost = metric !== 'spend'
  const markers = useAnomalyMarkers()
  const exportUrl = useCostSeriesExportUrl(by, granularity)
  // Day buckets are UTC days (see lib/format.ts); say so where the bucket size is named.
  const step = !q.data
    ? ''
    : isDayStep(q.data.stepS * 1000)
      ? 'UTC day'
      : duration(q.data.stepS * 1000)
          .replace(' 0 min', '')
          .replace(' 0 s', '')
  return (
    <QueryPanel
      id="cost-chart"
      title={unitCost ? `Cost ${METRIC_LABELS[metric]} over time` : 'Cost over time'}
      sub={q.data ? `per ${step} by ${by}${markers.length ? ` · ${markers.length} anomalies marked` : ''}` : undefined}
      query={q}
      height={260}
      isEmpty={(d) => d.keys.length === 0}
      actions={
        <div className="row gap">
          {onMetric && (
            <div className="segmented small" role="group" aria-label="Metric">
              {(Object.keys(METRIC_LABELS) as CostMetric[]).map((m) => (
                <button key={m} type="button" className={metric === m ? 'on' : undefined} aria-pressed={metric === m} onClick={() => onMetric(m)}>
                  {METRIC_LABELS[m]}
                </button>
              ))}
            </div>
          )}
          <div className="segmented small" role="group" aria-label="Granularity">
            {(['auto', 'hour', 'day'] as const).map((g) => (
              <button key={g} type="button" className={granularity === g ? 'on' : undefined} aria-pressed={granularity === g} onClick={() => onGranularity(g)}>
                {g}
              </button>
            ))}
          </div>
          <CsvLink href={exportUrl} testId="cost-chart-csv" title="spend, requests and tokens per bucket and value, every value" />
        </div>
      }
    >
      {(d) => (
        <TimeSeriesChart
          data={d.points}
          series={d.keys.map((key) => ({ key }))}
          kind={unitCost ? 'line' : 'bar'}
          stacked={!unitCost}
          unit="usd"
          fromMs={d.from}
          toMs={d.to}
          height={260}
          totals={d.totals}
          stepMs={d.stepS * 1000}
          markers={markers.filter((m) => m.to >= d.from && m.from <= d.to)}
        />
      )}
    </QueryPanel>
  )
}
