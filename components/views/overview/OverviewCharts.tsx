'use client'
import { duration } from '@/lib/format'
import type { CostDimension } from '@/lib/dashboard/types'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useAttestationSeries, useSpendSeries, useTrafficSeries } from '../../hooks/useOverview'
import { QueryPanel } from '../../ui/Panel'

const stepLabel = (stepS: number) => duration(stepS * 1000).replace(' 0 s', '')

const SPEND_BY = ['feature', 'model'] as const satisfies readonly CostDimension[]

export function SpendChart() {
  // Grouping is view state, so it lives in the URL (spendBy) like every other choice on the page.
  const { search, setParams } = useDashboardParams()
  const raw = search.get('spendBy')
  const by: CostDimension = SPEND_BY.find((d) => d === raw) ?? 'feature'
  const q = useSpendSeries(by)
  return (
    <QueryPanel
      id="spend-chart"
      title="Spend"
      sub={q.data ? `per ${stepLabel(q.data.stepS)}, stacked by ${by}` : undefined}
      query={q}
      height={240}
      isEmpty={(d) => d.keys.length === 0}
      actions={
        <div className="segmented small" role="group" aria-label="Stack spend by">
          {SPEND_BY.map((d) => (
            <button
              key={d}
              type="button"
              className={by === d ? 'on' : undefined}
              aria-pressed={by === d}
              onClick={() => setParams({ spendBy: d === 'feature' ? null : d })}
            >
              {d}
            </button>
          ))}
        </div>
      }
    >
      {(d) => (
        <TimeSeriesChart
          data={d.points}
          series={d.keys.map((key) => ({ key }))}
          stacked
          kind="area"
          unit="usd"
          fromMs={d.from}
          toMs={d.to}
          height={240}
          totals={d.totals}
          stepMs={d.stepS * 1000}
        />
      )}
    </QueryPanel>
  )
}

export function TrafficCharts() {
  const q = useTrafficSeries()
  const empty = (d: { points: { requestsPerMin: number }[] }) => d.points.every((p) => p.requestsPerMin === 0)
  return (
    <>
      <QueryPanel id="requests-chart" title="Requests / min" query={q} height={180} isEmpty={empty}>
        {(d) => (
          <TimeSeriesChart
            data={d.points}
            series={[
              { key: 'requestsPerMin', label: 'requests/min' },
              { key: 'errorsPerMin', label: 'errors/min', color: '#f0555a' },
            ]}
            kind="line"
            unit="rate"
            fromMs={d.from}
            toMs={d.to}
            height={180}
            stepMs={d.stepS * 1000}
          />
        )}
      </QueryPanel>
      <QueryPanel id="tokens-chart" title="Tokens / min" query={q} height={180} isEmpty={empty}>
        {(d) => (
          <TimeSeriesChart
            data={d.points}
            series={[{ key: 'tokensPerMin', label: 'tokens/min', color: '#c678dd' }]}
            kind="area"
            unit="tokens"
            fromMs={d.from}
            toMs={d.to}
            height={180}
            stepMs={d.stepS * 1000}
          />
        )}
      </QueryPanel>
      <QueryPanel id="installs-chart" title="Active installs & concurrent streams" query={q} height={180} isEmpty={empty}>
        {(d) => (
          <TimeSeriesChart
            data={d.points}
            kind="line"
            unit="count"
            fromMs={d.from}
            toMs={d.to}
            height={180}
            stepMs={d.stepS * 1000}
            series={[
              { key: 'activeInstalls', label: 'active installs', color: '#3fb37f' },
              { key: 'concurrentStreams', label: 'avg concurrent streams', color: '#ff9f43' },
            ]}
          />
        )}
      </QueryPanel>
    </>
  )
}

export function AttestationChart() {
  const q = useAttestationSeries()
  return (
    <QueryPanel
      id="attestation-chart"
      title="Attestation rejection rate"
      sub="by reason, share of all attestations"
      query={q}
      height={180}
      isEmpty={(d) => d.keys.length === 0}
      empty="No attestation rejections in this range"
    >
      {(d) => (
        <TimeSeriesChart
          data={d.points}
          series={d.keys.map((key) => ({ key }))}
          stacked
          kind="bar"
          unit="percent"
          fromMs={d.from}
          toMs={d.to}
          height={180}
          stepMs={d.stepS * 1000}
        />
      )}
    </QueryPanel>
  )
}
