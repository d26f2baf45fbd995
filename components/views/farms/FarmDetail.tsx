'use client'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { count, percent, usd } from '@/lib/format'
import type { FarmCluster } from '@/lib/detection/types'
import { stepFor } from '@/lib/time-range'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useInstallProfiles } from '../../hooks/useInstall'
import { Badge } from '../../ui/Badge'
import { Panel, QueryPanel } from '../../ui/Panel'
import { StatTile } from '../../ui/StatTile'
import { RejectionMix } from '../shared/RejectionMix'
import { FarmMembers } from './FarmMembers'
import { memberCap } from './view-logic'

/** New members per bucket from their first_seen, over the cluster's lifetime. */
function newInstallsSeries(firstSeen: number[]) {
  if (firstSeen.length === 0) return { points: [], from: 0, to: 1 }
  const from = Math.min(...firstSeen)
  const to = Math.max(...firstSeen) + 60_000
  const step = stepFor(to - from) * 1000
  const start = Math.floor(from / step) * step
  const buckets = new Map<number, number>()
  for (let t = start; t < to; t += step) buckets.set(t, 0)
  for (const f of firstSeen) {
    const t = Math.floor(f / step) * step
    buckets.set(t, (buckets.get(t) ?? 0) + 1)
  }
  return { points: [...buckets].map(([t, n]) => ({ t, installs: n })), from: start, to }
}

export function FarmDetail({ cluster }: { cluster: FarmCluster }) {
  const profiles = useInstallProfiles(cluster.members)
  const cap = memberCap(cluster)
  const attestations = cluster.attest_accepted + cluster.attest_rejected
  const series = newInstallsSeries((profiles.data?.profiles ?? []).map((p) => p.first_seen))
  return (
    <div className="grid" style={{ gap: 12 }}>
      <Panel
        id="farm-detail"
        title={<span className="mono">{cluster.cluster_id}</span>}
        sub={cluster.tenant_id}
        actions={cluster.severity ? <Badge kind={cluster.severity} /> : <Badge kind="neutral">below alert</Badge>}
      >
        <div className="grid" style={{ gap: 10 }}>
          <div className="grid tiles">
            <StatTile id="farm-size" label="Installs" value={count(cluster.size)} hint={`${cluster.new_installs} new in window`} />
            <StatTile id="farm-burst" label="Peak sign-ups" value={`${count(cluster.max_new_per_minute)}/min`} hint="tightest minute" />
            <StatTile
              id="farm-spend"
              label="Spend"
              value={usd(cluster.cost_micros)}
              hint={`${usd(cluster.cost_micros / Math.max(1, cluster.size))} per install`}
            />
            <StatTile
              id="farm-rejected"
              label="Attestation rejected"
              value={attestations ? percent(cluster.attest_rejected / attestations) : '–'}
              tone={cluster.attest_rejected > cluster.attest_accepted ? 'crit' : undefined}
              hint={`${count(cluster.attest_rejected)} of ${count(attestations)}${cluster.timing_dispersion != null ? ` · timing dispersion ${cluster.timing_dispersion.toFixed(2)}` : ''}`}
            />
          </div>
          <ul className="reason-list">
            {cluster.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <div>
            <h3 style={{ marginBottom: 4 }}>Shared traits</h3>
            {cluster.shared_traits.slice(0, 10).map((t) => (
              <span key={`${t.trait}:${t.value}`} className="chip" title={`${t.members} members`}>
                {t.trait}: <span className="mono">{t.value}</span> · {t.members}
              </span>
            ))}
            {cluster.shared_traits.length > 10 && <span className="muted small"> +{cluster.shared_traits.length - 10} more</span>}
          </div>
          <div>
            <h3 style={{ marginBottom: 4 }}>
              Rejection mix
              {cap.capped && (
                <span className="muted small" style={{ fontWeight: 400 }}>
                  {' '}
                  · over {cap.of}
                </span>
              )}
            </h3>
            <RejectionMix mix={cluster.rejection_mix} />
          </div>
        </div>
      </Panel>
      <QueryPanel
        id="farm-new-installs"
        title="New installs over time"
        sub={`${cap.of} by first seen`}
        query={profiles}
        height={170}
        isEmpty={(d) => d.profiles.length === 0}
      >
        {() => (
          <TimeSeriesChart
            data={series.points}
            series={[{ key: 'installs', label: 'new installs', color: '#ff9f43' }]}
            kind="bar"
            unit="count"
            fromMs={series.from}
            toMs={series.to}
            height={170}
            legend={false}
          />
        )}
      </QueryPanel>
      <FarmMembers cluster={cluster} />
      <Panel id="farm-actions" title="Act on this cluster">
        {cap.capped && (
          <p className="small muted" style={{ margin: '0 0 8px' }}>
            The ranking carries {cap.of}, not the riskiest ones; a bulk change here covers only those. The other {count(cluster.size - cap.n)} are listed under
            Members.
          </p>
        )}
        {/* Keyed by cluster: a preview and typed count must never carry over to another cluster's members. */}
        <ActionPanel
          key={cluster.cluster_id}
          scope="install"
          installIds={cluster.members}
          outOf={cluster.size}
          title={
            cap.capped ? `${count(cap.n)} of ${count(cluster.size)} members of ${cluster.cluster_id}` : `All ${count(cap.n)} members of ${cluster.cluster_id}`
          }
        />
      </Panel>
    </div>
  )
}
