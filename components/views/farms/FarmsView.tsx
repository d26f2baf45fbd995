'use client'
import { count, percent, usd } from '@/lib/format'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useDetectorExportUrl, useDetectorRanking } from '../../hooks/useDetectors'
import { CsvLink } from '../../ui/CsvLink'
import { Badge } from '../../ui/Badge'
import { EmptyState, QueryPanel } from '../../ui/Panel'
import { StatTile, tileError } from '../../ui/StatTile'
import { PageHead } from '../shared/PageHead'
import { FarmDetail } from './FarmDetail'
import { missingClusterMessage, partialSumNote, selectCluster } from './view-logic'

export function FarmsView() {
  const ranking = useDetectorRanking('emulator_farms', { limit: 100 })
  const { search, setParams } = useDashboardParams()
  const rows = ranking.data?.rows ?? []
  const total = ranking.data?.total ?? 0
  // Never another cluster than the one a link names: the detail carries a bulk revoke.
  const selection = selectCluster(rows, search.get('cluster'), !ranking.data || ranking.isPlaceholderData)
  const selected = selection.kind === 'selected' || selection.kind === 'default' ? selection.cluster : undefined
  const csv = useDetectorExportUrl('emulator_farms', ranking.data && { from: ranking.data.from, to: ranking.data.to })
  const partial = partialSumNote(rows.length, total)
  // The clusters panel below shows the message; the tiles only show that they have no value.
  const tileErr = tileError(ranking)
  return (
    <>
      <PageHead
        title="Emulator farms"
        description="Clusters of installs sharing a device image, subnet or build, signing up in bursts and failing attestation together."
      />
      <div className="grid tiles" data-testid="farm-tiles">
        <StatTile
          id="clusters"
          label="Clusters"
          value={ranking.data ? count(ranking.data.total) : ''}
          loading={ranking.isPending}
          error={tileErr}
          hint={ranking.data ? `${ranking.data.summary.flagged} above alert threshold` : undefined}
          tone={ranking.data?.summary.flagged ? 'crit' : 'ok'}
        />
        {/* These three add up the loaded rows only (the API gives no totals over the whole ranking); `partial` says so. */}
        <StatTile
          id="farm-installs"
          label={`Installs in ${partial?.label ?? 'clusters'}`}
          value={ranking.data ? count(rows.reduce((s, c) => s + c.size, 0)) : ''}
          loading={ranking.isPending}
          error={tileErr}
          hint={partial?.hint}
        />
        <StatTile
          id="farm-total-spend"
          label={`Spend by ${partial?.label ?? 'clusters'}`}
          value={ranking.data ? usd(rows.reduce((s, c) => s + c.cost_micros, 0)) : ''}
          loading={ranking.isPending}
          error={tileErr}
          hint={partial?.hint}
        />
        <StatTile
          id="farm-new"
          label={partial ? `New installs in ${partial.label}` : 'New installs in window'}
          value={ranking.data ? count(rows.reduce((s, c) => s + c.new_installs, 0)) : ''}
          loading={ranking.isPending}
          error={tileErr}
          hint={partial?.hint}
        />
      </div>
      <div className="split">
        <QueryPanel
          id="clusters"
          title="Clusters"
          sub={ranking.data && ranking.data.total > rows.length ? `top ${rows.length} of ${ranking.data.total} by score` : 'by score'}
          query={ranking}
          flush
          height={300}
          isEmpty={(d) => d.rows.length === 0}
          empty="No install clusters in this window"
          actions={csv && <CsvLink href={csv} testId="clusters-export" title="every cluster of the window by score, not only the top 100" />}
        >
          {(d) => (
            <div role="listbox" aria-label="Clusters" data-testid="cluster-list">
              {d.rows.map((c) => {
                const att = c.attest_accepted + c.attest_rejected
                const isSel = selected?.cluster_id === c.cluster_id
                return (
                  <button
                    key={c.cluster_id}
                    type="button"
                    role="option"
                    aria-selected={isSel}
                    className={`list-item ${isSel ? 'selected' : ''}`}
                    style={{
                      all: 'unset',
                      display: 'grid',
                      gap: 3,
                      padding: '8px 12px',
                      borderBottom: '1px solid var(--border)',
                      cursor: 'pointer',
                      width: 'calc(100% - 24px)',
                    }}
                    onClick={() => setParams({ cluster: c.cluster_id, fmPage: null })}
                  >
                    <span className="row gap">
                      {c.severity ? <Badge kind={c.severity} /> : <Badge kind="neutral">watch</Badge>}
                      <span className="mono small" style={{ color: 'var(--text-strong)' }}>
                        {c.cluster_id}
                      </span>
                    </span>
                    <span className="small muted">
                      {c.tenant_id} · <b style={{ color: 'var(--text)' }}>{count(c.size)}</b> installs · {usd(c.cost_micros)} ·{' '}
                      {att ? percent(c.attest_rejected / att, 0) : '–'} rejected · score {c.score.toFixed(0)}
                    </span>
                    <span>
                      {c.shared_traits.slice(0, 3).map((t) => (
                        <span key={t.trait + t.value} className="chip">
                          {t.trait}
                        </span>
                      ))}
                    </span>
                  </button>
                )
              })}
            </div>
          )}
        </QueryPanel>
        {selected ? (
          <FarmDetail cluster={selected} />
        ) : selection.kind === 'missing' ? (
          <div className="panel" data-testid="farm-missing">
            <EmptyState>
              <span role="status">{missingClusterMessage(selection.requested, rows.length, total)}</span>
              {rows.length > 0 && (
                <button type="button" className="btn small" onClick={() => setParams({ cluster: null, fmPage: null })}>
                  Show the top-ranked cluster
                </button>
              )}
            </EmptyState>
          </div>
        ) : (
          <div className="panel">
            <EmptyState>
              {ranking.error && !ranking.data ? 'Clusters could not be loaded' : !ranking.data || ranking.isPlaceholderData ? 'Loading…' : 'Select a cluster'}
            </EmptyState>
          </div>
        )}
      </div>
    </>
  )
}
