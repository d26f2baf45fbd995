'use client'
import { useMemo, useState } from 'react'
import { compact, percent, usd } from '@/lib/format'
import type { PromptBombingRow, ScoredMetric } from '@/lib/detection/types'
import { Sparkline } from '../../charts/Sparkline'
import { Badge } from '../../ui/Badge'
import { DataTable, type Column, type SortState } from '../../ui/DataTable'
import { InstallLink } from '../shared/InstallLink'
import { fillMinutes } from './fillSeries'

const PAGE_SIZE = 15

function Scored({ m, fmt }: { m: ScoredMetric; fmt: (n: number) => string }) {
  const hot = m.z >= 6 ? 'var(--crit)' : m.z >= 3 ? 'var(--warn)' : undefined
  return (
    <span title={`median ${fmt(m.band.median)} · p99 ${fmt(m.band.p99)} · z ${m.z.toFixed(1)}`}>
      {fmt(m.value)} <span className="small" style={{ color: hot ?? 'var(--muted)' }}>z{m.z.toFixed(1)}</span>
    </span>
  )
}

const SORTS: Record<string, (r: PromptBombingRow) => number> = {
  score: (r) => r.score,
  tpm: (r) => r.metrics.tokens_per_minute.value,
  ctx: (r) => r.metrics.context_tokens.value,
  streams: (r) => r.metrics.concurrent_streams.value,
  cost_micros: (r) => r.cost_micros,
  spend_share: (r) => r.spend_share,
}

/**
 * Installs ranked by the prompt-bombing score. The detector API returns its
 * top rows by score (limit ≤ 200), so re-sorting and paging happen over that
 * ranked set here.
 */
export function BombingTable({ rows, from, to, selected, onSelect }: { rows: PromptBombingRow[]; from: number; to: number; selected?: string; onSelect: (r: PromptBombingRow) => void }) {
  const [sort, setSort] = useState<SortState>({ sort: 'score', dir: 'desc' })
  const [page, setPage] = useState(0)
  const sorted = useMemo(() => {
    const key = SORTS[sort.sort] ?? SORTS.score
    return [...rows].sort((a, b) => (sort.dir === 'asc' ? key(a) - key(b) : key(b) - key(a)))
  }, [rows, sort])
  const columns: Column<PromptBombingRow>[] = [
    { key: 'install', header: 'Install', render: (r) => <InstallLink id={r.install_id} /> },
    { key: 'feature', header: 'Tenant / feature', render: (r) => <>{r.tenant_id}<span className="muted"> · {r.feature}</span></> },
    { key: 'score', header: 'Score', numeric: true, sortable: true, render: (r) => <span className="row gap" style={{ justifyContent: 'flex-end' }}>{r.severity && <Badge kind={r.severity} />}<b>{r.score.toFixed(1)}</b></span> },
    { key: 'spark', header: 'Tokens/min trend', render: (r) => <Sparkline values={fillMinutes(r.series, from, to, 60)} color={r.severity === 'critical' ? '#f0555a' : r.severity ? '#e5a23c' : '#6e9fff'} /> },
    { key: 'tpm', header: 'Tokens/min', numeric: true, sortable: true, render: (r) => <Scored m={r.metrics.tokens_per_minute} fmt={compact} /> },
    { key: 'ctx', header: 'Context', numeric: true, sortable: true, render: (r) => <Scored m={r.metrics.context_tokens} fmt={compact} /> },
    { key: 'streams', header: 'Streams', numeric: true, sortable: true, render: (r) => <Scored m={r.metrics.concurrent_streams} fmt={(n) => n.toFixed(1)} /> },
    { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (r) => usd(r.cost_micros) },
    { key: 'spend_share', header: 'Feature share', numeric: true, sortable: true, render: (r) => percent(r.spend_share) },
  ]
  return (
    <DataTable testId="bombing-table" columns={columns} rows={sorted.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)} rowKey={(r) => `${r.tenant_id}/${r.install_id}/${r.feature}`}
      sort={sort} onSort={(s) => { setSort(s); setPage(0) }} onRowClick={onSelect} selectedKey={selected}
      page={{ page, pageSize: PAGE_SIZE, total: rows.length, onPage: setPage }} />
  )
}
