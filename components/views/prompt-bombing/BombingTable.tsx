'use client'
import { compact, percent, usd } from '@/lib/format'
import type { DetectorRanking, PromptBombingRow, ScoredMetric } from '@/lib/detection/types'
import { Sparkline } from '../../charts/Sparkline'
import { Badge } from '../../ui/Badge'
import { DataTable, type Column, type SortState } from '../../ui/DataTable'
import { InstallLink } from '../shared/InstallLink'
import { fillMinutes } from './fillSeries'

function Scored({ m, fmt }: { m: ScoredMetric; fmt: (n: number) => string }) {
  const hot = m.z >= 6 ? 'var(--crit)' : m.z >= 3 ? 'var(--warn)' : undefined
  return (
    <span title={`median ${fmt(m.band.median)} · p99 ${fmt(m.band.p99)} · z ${m.z.toFixed(1)}`}>
      {fmt(m.value)}{' '}
      <span className="small" style={{ color: hot ?? 'var(--muted)' }}>
        z{m.z.toFixed(1)}
      </span>
    </span>
  )
}

export const bombingRowKey = (r: PromptBombingRow) => `${r.tenant_id}/${r.install_id}/${r.feature}`

interface BombingTableProps {
  /** One page of the ranking, already sorted by the server. */
  data: DetectorRanking<'prompt_bombing'>
  onSort: (s: SortState) => void
  onPage: (page: number) => void
  selected?: string
  onSelect: (r: PromptBombingRow) => void
}

/** Installs ranked by the prompt-bombing score; column keys are the API's sort names, so a header click is a new request. */
export function BombingTable({ data, onSort, onPage, selected, onSelect }: BombingTableProps) {
  const { from, to } = data
  const columns: Column<PromptBombingRow>[] = [
    { key: 'install', header: 'Install', render: (r) => <InstallLink id={r.install_id} /> },
    {
      key: 'feature',
      header: 'Tenant / feature',
      render: (r) => (
        <>
          {r.tenant_id}
          <span className="muted"> · {r.feature}</span>
        </>
      ),
    },
    {
      key: 'score',
      header: 'Score',
      numeric: true,
      sortable: true,
      render: (r) => (
        <span className="row gap" style={{ justifyContent: 'flex-end' }}>
          {r.severity && <Badge kind={r.severity} />}
          <b>{r.score.toFixed(1)}</b>
        </span>
      ),
    },
    {
      key: 'spark',
      header: 'Tokens/min trend',
      render: (r) => (
        <Sparkline values={fillMinutes(r.series, from, to, 60)} color={r.severity === 'critical' ? '#f0555a' : r.severity ? '#e5a23c' : '#6e9fff'} />
      ),
    },
    { key: 'tokens_per_minute', header: 'Tokens/min', numeric: true, sortable: true, render: (r) => <Scored m={r.metrics.tokens_per_minute} fmt={compact} /> },
    { key: 'context_tokens', header: 'Context', numeric: true, sortable: true, render: (r) => <Scored m={r.metrics.context_tokens} fmt={compact} /> },
    {
      key: 'concurrent_streams',
      header: 'Streams',
      numeric: true,
      sortable: true,
      render: (r) => <Scored m={r.metrics.concurrent_streams} fmt={(n) => n.toFixed(1)} />,
    },
    { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (r) => usd(r.cost_micros) },
    { key: 'spend_share', header: 'Feature share', numeric: true, sortable: true, render: (r) => percent(r.spend_share) },
  ]
  return (
    <DataTable
      testId="bombing-table"
      columns={columns}
      rows={data.rows}
      rowKey={bombingRowKey}
      sort={{ sort: data.sort, dir: data.dir }}
      onSort={onSort}
      onRowClick={onSelect}
      selectedKey={selected}
      page={{ offset: data.offset, limit: data.limit, total: data.total, onPage }}
    />
  )
}
