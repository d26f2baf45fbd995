'use client'
import { count, percent, usd } from '@/lib/format'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useDetectorRanking } from '../../hooks/useDetectors'
import { Badge } from '../../ui/Badge'
import { EmptyState, QueryPanel } from '../../ui/Panel'
import { StatTile } from '../../ui/StatTile'
import { PageHead } from '../shared/PageHead'
import { FarmDetail } from './FarmDetail'

export function FarmsView() {
  const ranking = useDetectorRanking('emulator_farms', { limit: 100 })
  const { search, setParams } = useDashboardParams()
  const rows = ranking.data?.rows ?? []
  const selected = rows.find((c) => c.cluster_id === search.get('cluster')) ?? rows[0]
  return (
    <>
      <PageHead title="Emulator farms" description="Clusters of installs sharing a device image, subnet or build, signing up in bursts and failing attestation together." />
      <div className="grid tiles" data-testid="farm-tiles">
        <StatTile id="clusters" label="Clusters" value={ranking.data ? count(ranking.data.total) : ''} loading={ranking.isPending} hint={ranking.data ? `${ranking.data.summary.flagged} above alert threshold` : undefined} tone={ranking.data?.summary.flagged ? 'crit' : 'ok'} />
        <StatTile id="farm-installs" label="Installs in clusters" value={ranking.data ? count(rows.reduce((s, c) => s + c.size, 0)) : ''} loading={ranking.isPending} />
        <StatTile id="farm-total-spend" label="Spend by clusters" value={ranking.data ? usd(rows.reduce((s, c) => s + c.cost_micros, 0)) : ''} loading={ranking.isPending} />
        <StatTile id="farm-new" label="New installs in window" value={ranking.data ? count(rows.reduce((s, c) => s + c.new_installs, 0)) : ''} loading={ranking.isPending} />
      </div>
      <div className="split">
        <QueryPanel id="clusters" title="Clusters" sub={ranking.data && ranking.data.total > rows.length ? `top ${rows.length} of ${ranking.data.total} by score` : 'by score'} query={ranking} flush height={300} isEmpty={(d) => d.rows.length === 0} empty="No install clusters in this window">
          {(d) => (
            <div role="listbox" aria-label="Clusters" data-testid="cluster-list">
              {d.rows.map((c) => {
                const att = c.attest_accepted + c.attest_rejected
                const isSel = selected?.cluster_id === c.cluster_id
                return (
                  <button key={c.cluster_id} type="button" role="option" aria-selected={isSel} className={`list-item ${isSel ? 'selected' : ''}`}
                    style={{ all: 'unset', display: 'grid', gap: 3, padding: '8px 12px', borderBottom: '1px solid var(--border)', cursor: 'pointer', width: 'calc(100% - 24px)' }}
                    onClick={() => setParams({ cluster: c.cluster_id, fmPage: null })}>
                    <span className="row gap">{c.severity ? <Badge kind={c.severity} /> : <Badge kind="neutral">watch</Badge>}<span className="mono small" style={{ color: 'var(--text-strong)' }}>{c.cluster_id}</span></span>
                    <span className="small muted">{c.tenant_id} · <b style={{ color: 'var(--text)' }}>{count(c.size)}</b> installs · {usd(c.cost_micros)} · {att ? percent(c.attest_rejected / att, 0) : '–'} rejected · score {c.score.toFixed(0)}</span>
                    <span>{c.shared_traits.slice(0, 3).map((t) => <span key={t.trait + t.value} className="chip">{t.trait}</span>)}</span>
                  </button>
                )
              })}
            </div>
          )}
        </QueryPanel>
        {selected ? <FarmDetail cluster={selected} /> : <div className="panel"><EmptyState>{ranking.isPending ? 'Loading…' : 'Select a cluster'}</EmptyState></div>}
      </div>
    </>
  )
}
