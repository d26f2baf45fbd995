'use client'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { compact, usd } from '@/lib/format'
import type { PromptBombingRow } from '@/lib/detection/types'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { Badge } from '../../ui/Badge'
import { Panel } from '../../ui/Panel'
import { InstallLink } from '../shared/InstallLink'

const METRICS: [keyof PromptBombingRow['metrics'], string][] = [
  ['tokens_per_minute', 'Tokens/min'],
  ['peak_tokens_per_minute', 'Peak tokens/min'],
  ['context_tokens', 'Context'],
  ['output_tokens', 'Output'],
  ['concurrent_streams', 'Concurrent streams'],
]

/** Why one install scored high: its metrics against the feature's band, its tokens/min, and the quota that would stop it. */
export function BombingDetail({ row, from, to }: { row: PromptBombingRow; from: number; to: number }) {
  const band = row.metrics.tokens_per_minute.band
  return (
    <Panel
      id="bombing-detail"
      title={
        <>
          <InstallLink id={row.install_id} />
        </>
      }
      sub={`${row.tenant_id} · ${row.feature}`}
      actions={row.severity ? <Badge kind={row.severity} /> : <Badge kind="neutral">below alert</Badge>}
    >
      <div className="grid" style={{ gap: 10 }}>
        <ul className="reason-list">
          {row.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
        <TimeSeriesChart
          data={row.series}
          series={[{ key: 'value', label: 'tokens/min', color: '#f0555a' }]}
          kind="bar"
          unit="tokens"
          fromMs={from}
          toMs={to}
          height={150}
          refLines={[{ y: band.p99, label: `feature p99 ${compact(band.p99)}`, color: '#e5a23c' }]}
          legend={false}
        />
        <table className="data">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="r">Install</th>
              <th className="r">Median</th>
              <th className="r">p99</th>
              <th className="r">z</th>
            </tr>
          </thead>
          <tbody>
            {METRICS.map(([k, label]) => {
              const m = row.metrics[k]
              const fmt = k === 'concurrent_streams' ? (n: number) => n.toFixed(2) : compact
              return (
                <tr key={k}>
                  <td>{label}</td>
                  <td className="r">{fmt(m.value)}</td>
                  <td className="r muted">{fmt(m.band.median)}</td>
                  <td className="r muted">{fmt(m.band.p99)}</td>
                  <td className="r" style={{ color: m.z >= 6 ? 'var(--crit)' : m.z >= 3 ? 'var(--warn)' : undefined }}>
                    {m.z.toFixed(1)}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <div className="small muted">
          {row.requests} requests in {row.active_minutes} active minutes · {usd(row.cost_micros)} · suggested quota:{' '}
          {compact(row.suggested_quota.tokens_per_minute)} tokens/min, context ≤ {compact(row.suggested_quota.max_context_tokens)}, ≤{' '}
          {row.suggested_quota.max_concurrent_streams} streams
        </div>
        <ActionPanel scope="install" subject={row.install_id} title={`Act on ${row.install_id}`} />
      </div>
    </Panel>
  )
}
