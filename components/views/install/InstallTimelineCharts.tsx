'use client'
import { compact, count, usd } from '@/lib/format'
import type { InstallTimeline } from '@/lib/dashboard/types'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useInstallTimeline } from '../../hooks/useInstall'
import { QueryPanel } from '../../ui/Panel'
import { StatTile } from '../../ui/StatTile'

const sum = (d: InstallTimeline, k: 'cost_micros' | 'requests' | 'tokens' | 'streams' | 'attest_rejected' | 'policy_denials') =>
  d.points.reduce((s, p) => s + p[k], 0)

export function InstallTimelineCharts({ id }: { id: string }) {
  const q = useInstallTimeline(id)
  const d = q.data
  const empty = (t: InstallTimeline) => t.points.every((p) => p.requests === 0 && p.attest_rejected === 0 && p.policy_denials === 0)
  return (
    <>
      <div className="grid tiles" data-testid="install-tiles">
        <StatTile id="install-spend" label="Spend in range" value={d ? usd(sum(d, 'cost_micros')) : ''} loading={q.isPending} />
        <StatTile id="install-requests" label="Requests" value={d ? count(sum(d, 'requests')) : ''} loading={q.isPending} />
        <StatTile id="install-tokens" label="Tokens" value={d ? compact(sum(d, 'tokens')) : ''} loading={q.isPending} />
        <StatTile
          id="install-streams"
          label="Streams"
          value={d ? count(sum(d, 'streams')) : ''}
          loading={q.isPending}
          hint={d ? `peak ${Math.max(0, ...d.points.map((p) => p.concurrent_streams)).toFixed(1)} concurrent` : undefined}
        />
        <StatTile
          id="install-max-ctx"
          label="Max context"
          value={d ? compact(Math.max(0, ...d.points.map((p) => p.max_context_tokens))) : ''}
          loading={q.isPending}
          hint="tokens, one request"
        />
        <StatTile
          id="install-rejections"
          label="Attestation rejections"
          value={d ? count(sum(d, 'attest_rejected')) : ''}
          loading={q.isPending}
          tone={d && sum(d, 'attest_rejected') > 0 ? 'warn' : undefined}
        />
        <StatTile id="install-denials" label="Policy denials" value={d ? count(sum(d, 'policy_denials')) : ''} loading={q.isPending} />
        <StatTile
          id="install-cost-per-req"
          label="Cost per request"
          value={d && sum(d, 'requests') ? usd(sum(d, 'cost_micros') / sum(d, 'requests'), { precise: true }) : '–'}
          loading={q.isPending}
        />
      </div>
      <div className="grid two">
        <QueryPanel id="install-spend-chart" title="Spend" query={q} height={180} isEmpty={empty}>
          {(t) => (
            <TimeSeriesChart data={t.points} series={[{ key: 'cost_micros', label: 'spend' }]} kind="bar" unit="usd" fromMs={t.from} toMs={t.to} height={180} />
          )}
        </QueryPanel>
        <QueryPanel id="install-requests-chart" title="Requests & streams" query={q} height={180} isEmpty={empty}>
          {(t) => (
            <TimeSeriesChart
              data={t.points}
              kind="line"
              unit="count"
              fromMs={t.from}
              toMs={t.to}
              height={180}
              series={[
                { key: 'requests', label: 'requests' },
                { key: 'streams', label: 'streams', color: '#ff9f43' },
                { key: 'concurrent_streams', label: 'avg concurrent', color: '#c678dd' },
              ]}
            />
          )}
        </QueryPanel>
        <QueryPanel id="install-tokens-chart" title="Tokens & context size" query={q} height={180} isEmpty={empty}>
          {(t) => (
            <TimeSeriesChart
              data={t.points}
              kind="line"
              unit="tokens"
              fromMs={t.from}
              toMs={t.to}
              height={180}
              series={[
                { key: 'tokens', label: 'tokens' },
                { key: 'max_context_tokens', label: 'max context', color: '#f0555a' },
              ]}
            />
          )}
        </QueryPanel>
        <QueryPanel id="install-verdicts-chart" title="Attestation rejections & policy denials" query={q} height={180} isEmpty={empty}>
          {(t) => (
            <TimeSeriesChart
              data={t.points}
              kind="bar"
              unit="count"
              fromMs={t.from}
              toMs={t.to}
              height={180}
              series={[
                { key: 'attest_rejected', label: 'attestation rejected', color: '#f0555a' },
                { key: 'policy_denials', label: 'policy denied', color: '#e5a23c' },
              ]}
            />
          )}
        </QueryPanel>
      </div>
    </>
  )
}
