'use client'
import { useState } from 'react'
import { severityFor } from '@/lib/detection/settings'
import { compact, count, percent, usd } from '@/lib/format'
import { RANKING_SORTS, type FeatureConcentration, type PromptBombingRow, type RankingSort } from '@/lib/detection/types'
import { Histogram } from '../../charts/Histogram'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useDetectorExportUrl, useDetectorRanking } from '../../hooks/useDetectors'
import { usePromptSizes } from '../../hooks/usePromptSizes'
import { CsvLink } from '../../ui/CsvLink'
import { DataTable } from '../../ui/DataTable'
import { EmptyState, QueryPanel, TileErrors } from '../../ui/Panel'
import { StatTile, tileError } from '../../ui/StatTile'
import { PageHead } from '../shared/PageHead'
import { usePageState } from '../shared/usePageState'
import { BombingDetail } from './BombingDetail'
import { bombingRowKey, BombingTable } from './BombingTable'

const PAGE_SIZE = 15
const SORTS: readonly string[] = RANKING_SORTS.prompt_bombing

export function PromptBombingView() {
  const state = usePageState('pb', { sort: 'score', dir: 'desc' })
  // A hand-edited URL must not turn the page into an error: unknown sorts fall back to the score.
  const sort = (SORTS.includes(state.sort) ? state.sort : 'score') as RankingSort<'prompt_bombing'>
  const ranking = useDetectorRanking('prompt_bombing', { sort, dir: state.dir, offset: state.page * PAGE_SIZE, limit: PAGE_SIZE })
  const sizes = usePromptSizes()
  const { search, setParams } = useDashboardParams()
  // The selected row is in the URL (pbRow = tenant/install/feature) so a shared link opens the same evidence.
  const pickedKey = search.get('pbRow')
  // The clicked row itself, so its evidence stays open while paging away from it (live data wins while it is on the page).
  const [picked, setPicked] = useState<PromptBombingRow | undefined>()
  const rows = ranking.data?.rows ?? []
  const summary = ranking.data?.summary
  const onPage = pickedKey ? rows.find((r) => bombingRowKey(r) === pickedKey) : undefined
  const remembered = picked && pickedKey === bombingRowKey(picked) ? picked : undefined
  const selected = pickedKey ? (onPage ?? remembered) : (rows.find((r) => r.severity) ?? rows[0])
  const select = (r: PromptBombingRow) => {
    setPicked(r)
    setParams({ pbRow: bombingRowKey(r) })
  }
  const rankingError = tileError(ranking)
  const sizesError = tileError(sizes)
  const conc = ranking.data?.context.concentration ?? []
  const shown = ranking.data && { from: ranking.data.from, to: ranking.data.to }
  const rankingCsv = useDetectorExportUrl('prompt_bombing', shown, { sort, dir: state.dir })
  const concentrationCsv = useDetectorExportUrl('prompt_bombing', shown, { table: 'concentration' })
  const clamped = ranking.data && ranking.data.to - ranking.data.from < 86_400_000 - 60_000 ? '' : ' (detector window ≤ 24 h)'
  return (
    <>
      <PageHead
        title="Prompt-bombing"
        description={`Installs sending far more tokens, larger contexts or more parallel streams than their feature's population${clamped}.`}
      />
      <TileErrors errors={[rankingError, sizesError]} />
      <div className="grid tiles" data-testid="bombing-tiles">
        <StatTile
          id="flagged"
          label="Installs flagged"
          value={summary ? count(summary.flagged) : ''}
          loading={ranking.isPending}
          error={rankingError}
          tone={summary && severityFor(summary.top_score) === 'critical' ? 'crit' : summary?.flagged ? 'warn' : 'ok'}
          hint={ranking.data ? `of ${count(ranking.data.total)} ranked` : undefined}
        />
        <StatTile
          id="top-score"
          label="Top score"
          value={summary?.top_subject ? summary.top_score.toFixed(1) : '–'}
          loading={ranking.isPending}
          error={rankingError}
          hint={summary?.top_subject ?? undefined}
        />
        <StatTile
          id="flagged-spend"
          label="Spend of flagged"
          value={summary ? usd(summary.flagged_cost_micros) : ''}
          loading={ranking.isPending}
          error={rankingError}
        />
        <StatTile
          id="p99-context"
          label="Context p99"
          value={sizes.data ? `${compact(sizes.data.p99)} tok` : ''}
          loading={sizes.isPending}
          error={sizesError}
          hint={sizes.data ? `p50 ${compact(sizes.data.p50)} · max ${compact(sizes.data.max)}` : undefined}
        />
        <StatTile
          id="outlier-requests"
          label="Outlier requests"
          value={sizes.data ? count(sizes.data.bins.filter((b) => b.outlier).reduce((s, b) => s + b.requests, 0)) : ''}
          loading={sizes.isPending}
          error={sizesError}
          hint={sizes.data ? `of ${count(sizes.data.requests)} · context ≥ p99` : undefined}
        />
        <StatTile
          id="top1"
          label="Top 1% spend share"
          value={conc.length ? percent(Math.max(...conc.map((c) => c.top1pct_share))) : '–'}
          loading={ranking.isPending}
          error={rankingError}
          hint="most concentrated feature"
        />
      </div>
      <QueryPanel
        id="bombing-ranking"
        title="Installs ranked by score"
        sub="click a row for the evidence"
        query={ranking}
        flush
        height={300}
        isEmpty={(d) => d.total === 0}
        actions={rankingCsv && <CsvLink href={rankingCsv} testId="bombing-export" title="every ranked install of the window, in this order" />}
      >
        {(d) => (
          <BombingTable data={d} onSort={state.onSort} onPage={state.onPage} selected={selected ? bombingRowKey(selected) : undefined} onSelect={select} />
        )}
      </QueryPanel>
      <div className="grid two" style={{ alignItems: 'start' }}>
        {selected && ranking.data ? (
          <BombingDetail row={selected} from={ranking.data.from} to={ranking.data.to} />
        ) : pickedKey && ranking.data ? (
          // A link to a row that is not on this page (or no longer ranked): say so rather than show another install.
          <div className="panel">
            <EmptyState>
              <span>
                The selected install <span className="mono">{pickedKey}</span> is not on this page of the ranking.
              </span>
              <button type="button" className="btn small" onClick={() => setParams({ pbRow: null })}>
                Show the top install
              </button>
            </EmptyState>
          </div>
        ) : (
          <div className="panel">
            <EmptyState>{ranking.isPending ? 'Loading…' : 'No installs ranked in this window'}</EmptyState>
          </div>
        )}
        <div className="grid" style={{ gap: 12 }}>
          <QueryPanel
            id="prompt-sizes"
            title="Prompt size distribution"
            sub="context tokens per request, log₂ bins; red = above p99"
            query={sizes}
            height={240}
            isEmpty={(d) => d.requests === 0}
          >
            {(d) => (
              <Histogram
                bins={d.bins}
                markers={[
                  { value: d.p50, label: 'p50' },
                  { value: d.p90, label: 'p90' },
                  { value: d.p99, label: 'p99' },
                ]}
              />
            )}
          </QueryPanel>
          <QueryPanel
            id="concentration"
            title="Spend concentration"
            sub="per feature"
            query={ranking}
            flush
            height={160}
            isEmpty={(d) => (d.context.concentration ?? []).length === 0}
            actions={concentrationCsv && <CsvLink href={concentrationCsv} testId="concentration-export" title="every feature, not only the top 20" />}
          >
            {(d) => (
              <DataTable<FeatureConcentration>
                testId="concentration-table"
                rows={d.context.concentration ?? []}
                rowKey={(c) => `${c.tenant_id}/${c.feature}`}
                columns={[
                  {
                    key: 'f',
                    header: 'Tenant / feature',
                    render: (c) => (
                      <>
                        {c.tenant_id}
                        <span className="muted"> · {c.feature}</span>
                      </>
                    ),
                  },
                  { key: 'i', header: 'Installs', numeric: true, render: (c) => count(c.installs) },
                  { key: 's', header: 'Spend', numeric: true, render: (c) => usd(c.cost_micros) },
                  {
                    key: 't1',
                    header: 'Top 1%',
                    numeric: true,
                    render: (c) => <span style={{ color: c.top1pct_share > 0.25 ? 'var(--crit)' : undefined }}>{percent(c.top1pct_share)}</span>,
                  },
                  { key: 't10', header: 'Top 10', numeric: true, render: (c) => percent(c.top10_share) },
                ]}
              />
            )}
          </QueryPanel>
        </div>
      </div>
    </>
  )
}
