'use client'
import Link from 'next/link'
import { compact, count, duration, usd } from '@/lib/format'
import type { FarmBombingEvidence, MemberBombing } from '@/lib/alerts/farm-fold'
import type { Alert } from '@/lib/alerts/types'
import type { CostAnomalyRow, FarmCluster, PromptBombingRow, StreamAbuseRow, TokenReuseRow } from '@/lib/detection/types'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useInstallTimeline } from '../../hooks/useInstall'
import { QueryPanel } from '../../ui/Panel'
import { RejectionMix } from '../shared/RejectionMix'
import { TokenReuseEvidence } from './TokenReuseEvidence'
import { InstallLink } from '../shared/InstallLink'

const pad = 5 * 60_000

const COST_SERIES_LABEL: Record<CostAnomalyRow['kind'], string> = {
  cost_per_request: 'cost per request',
  spend_rate: 'spend per minute',
  price_per_token: 'billed per catalog cost',
  budget: 'spend',
}

function SeriesEvidence({
  series,
  unit,
  label,
  ref,
}: {
  series: { t: number; value: number }[]
  unit: 'tokens' | 'usd' | 'rate'
  label: string
  ref?: { y: number; label: string }
}) {
  if (series.length === 0) return <p className="muted">No series in the evidence.</p>
  const from = series[0].t - pad
  const to = series[series.length - 1].t + pad
  return (
    <TimeSeriesChart
      data={series}
      series={[{ key: 'value', label, color: '#f0555a' }]}
      kind="bar"
      unit={unit}
      fromMs={from}
      toMs={to}
      height={180}
      legend={false}
      refLines={ref ? [{ ...ref, color: '#e5a23c' }] : []}
    />
  )
}

/** Streams of an install over the alert's life, for detectors whose evidence carries no series. */
function InstallStreams({ id }: { id: string }) {
  const q = useInstallTimeline(id)
  return (
    <QueryPanel
      id="evidence-install"
      title="Install activity"
      sub="in the selected range"
      query={q}
      height={160}
      isEmpty={(d) => d.points.every((p) => p.requests === 0)}
    >
      {(d) => (
        <TimeSeriesChart
          data={d.points}
          kind="line"
          unit="count"
          fromMs={d.from}
          toMs={d.to}
          height={160}
          stepMs={d.stepS * 1000}
          series={[
            { key: 'requests', label: 'requests' },
            { key: 'concurrent_streams', label: 'avg concurrent streams', color: '#ff9f43' },
          ]}
        />
      )}
    </QueryPanel>
  )
}

/** Farm members' own bombing evidence, inside the farm's incident (they are not raised as separate bombers). */
function FarmMemberBombing({ rows }: { rows: MemberBombing[] }) {
  return (
    <div className="table-wrap" style={{ maxHeight: 320, overflow: 'auto' }}>
      <table className="data" data-testid="farm-member-bombing">
        <thead>
          <tr>
            <th>Install</th>
            <th>Feature</th>
            <th className="r">Score</th>
            <th className="r">Tokens/min</th>
            <th className="r">Spend</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.install_id}>
              <td className="mono">{m.install_id}</td>
              <td>{m.feature}</td>
              <td className="r">{m.score.toFixed(0)}</td>
              <td className="r">{compact(m.tokens_per_minute)}</td>
              <td className="r">{usd(m.cost_micros)}</td>
              <td>{m.reasons[0] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The chart and facts that justify an alert, shaped by the detector that raised it. */
export function AlertEvidence({ alert }: { alert: Alert }) {
  const { globalQuery } = useDashboardParams()
  const e = alert.evidence
  if (!e) return <p className="muted">This alert carries no evidence.</p>
  switch (alert.detector) {
    case 'token_reuse':
      return <TokenReuseEvidence row={e as TokenReuseRow} />
    case 'prompt_bombing': {
      const r = e as PromptBombingRow
      if ('member_rows' in r) return <FarmMemberBombing rows={(r as FarmBombingEvidence).member_rows} />
      return (
        <SeriesEvidence
          series={r.series}
          unit="tokens"
          label="tokens/min"
          ref={{ y: r.metrics.tokens_per_minute.band.p99, label: `feature p99 ${compact(r.metrics.tokens_per_minute.band.p99)}` }}
        />
      )
    }
    case 'cost_anomalies': {
      const r = e as CostAnomalyRow
      return (
        <>
          <SeriesEvidence
            series={r.series}
            unit={r.kind === 'price_per_token' ? 'rate' : 'usd'}
            label={COST_SERIES_LABEL[r.kind]}
            ref={{ y: r.expected, label: `expected ${r.kind === 'price_per_token' ? `${r.expected.toFixed(2)}×` : usd(r.expected, { precise: true })}` }}
          />
          <p className="small muted">
            {r.baseline.description} · current{' '}
            {r.kind === 'price_per_token'
              ? `${r.current.toFixed(2)}× vs expected ${r.expected.toFixed(2)}× the catalog`
              : `${usd(r.current, { precise: true })} vs expected ${usd(r.expected, { precise: true })}`}{' '}
            ({r.ratio.toFixed(1)}×)
          </p>
        </>
      )
    }
    case 'stream_abuse': {
      const r = e as StreamAbuseRow
      return (
        <>
          <dl className="kv">
            <dt>Streams</dt>
            <dd>
              {count(r.streams)} · max {r.max_concurrent} concurrent · longest {duration(r.max_duration_ms)}
            </dd>
            <dt>Zombie streams</dt>
            <dd>{count(r.zombie_streams)}</dd>
            <dt>Client disconnects</dt>
            <dd>
              {count(r.client_disconnects)} · {usd(r.disconnect_cost_micros)} paid for abandoned output
            </dd>
          </dl>
          {r.members ? (
            <p className="small" data-testid="stream-group-members">
              Installs holding a zombie:{' '}
              {r.members.slice(0, 50).map((m, i) => (
                <span key={m}>
                  {i > 0 ? ', ' : ''}
                  <InstallLink id={m} />
                </span>
              ))}
              {r.members.length > 50 ? ` and ${count(r.members.length - 50)} more` : ''}
            </p>
          ) : (
            <InstallStreams id={r.install_id} />
          )}
        </>
      )
    }
    case 'emulator_farms': {
      const r = e as FarmCluster
      return (
        <div>
          <p className="small">
            {count(r.size)} installs · {count(r.new_installs)} new · peak {r.max_new_per_minute}/min · {usd(r.cost_micros)} ·{' '}
            <Link href={`/farms${globalQuery}${globalQuery ? '&' : '?'}cluster=${encodeURIComponent(r.cluster_id)}`}>open cluster →</Link>
          </p>
          <RejectionMix mix={r.rejection_mix} />
        </div>
      )
    }
  }
}
