'use client'
import { useState } from 'react'
import { compact, dateTime, duration, usd } from '@/lib/format'
import type { InstallEventRow } from '@/lib/dashboard/types'
import { useInstallEvents } from '../../hooks/useInstall'
import { Badge } from '../../ui/Badge'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel } from '../../ui/Panel'

const TYPES = [['all', 'All'], ['attestation', 'Attestations'], ['stream', 'Streams'], ['llm_request', 'Requests'], ['policy_denial', 'Denials']] as const

function detail(r: InstallEventRow) {
  switch (r.type) {
    case 'attestation':
      return r.verdict === 'rejected' ? <><Badge kind="open">rejected</Badge> {r.reasons.map((x) => <span key={x} className="chip">{x}</span>)}</> : <Badge kind="resolved">accepted</Badge>
    case 'stream':
      return <>{r.end_reason} · {duration(r.duration_ms)}</>
    case 'policy_denial':
      return <Badge kind="acknowledged">{r.rule_kind}</Badge>
    default:
      return r.outcome
  }
}

const COLUMNS: Column<InstallEventRow>[] = [
  { key: 'ts', header: 'Time', sortable: true, render: (r) => <span className="mono">{dateTime(r.ts)}</span> },
  { key: 'type', header: 'Type', render: (r) => r.type },
  { key: 'feature', header: 'Feature / model', render: (r) => (r.feature ? <>{r.feature}<span className="muted"> · {r.model || '–'}</span></> : '–') },
  { key: 'detail', header: 'Verdict / outcome', render: detail },
  { key: 'context', header: 'Context', numeric: true, render: (r) => (r.context_tokens ? compact(r.context_tokens) : '–') },
  { key: 'tokens', header: 'In / out', numeric: true, render: (r) => (r.prompt_tokens || r.completion_tokens ? `${compact(r.prompt_tokens)} / ${compact(r.completion_tokens)}` : '–') },
  { key: 'cost', header: 'Cost', numeric: true, render: (r) => (r.cost_micros ? usd(r.cost_micros, { precise: true }) : '–') },
]

/** The install's individual events in the window, newest first, filterable by type. */
export function InstallEventsTable({ id }: { id: string }) {
  const [type, setType] = useState('all')
  const [page, setPage] = useState(0)
  const [dir, setDir] = useState<'asc' | 'desc'>('desc')
  const q = useInstallEvents(id, type, { sort: 'ts', dir, page, pageSize: 25 })
  return (
    <QueryPanel id="install-events" title="Event timeline" sub="verdicts, streams, requests and denials" query={q} flush height={200} isEmpty={(d) => d.total === 0}
      actions={
        <div className="segmented small" role="group" aria-label="Event type">
          {TYPES.map(([k, label]) => (
            <button key={k} type="button" className={type === k ? 'on' : undefined} aria-pressed={type === k} onClick={() => { setType(k); setPage(0) }}>{label}</button>
          ))}
        </div>
      }>
      {(d) => (
        <DataTable testId="install-events-table" columns={COLUMNS} rows={d.rows} rowKey={(r) => `${r.ts}-${r.type}-${r.cost_micros}-${r.context_tokens}`}
          sort={{ sort: 'ts', dir: d.dir }} onSort={(s) => { setDir(s.dir); setPage(0) }}
          page={{ page: d.page, pageSize: d.pageSize, total: d.total, onPage: setPage }} />
      )}
    </QueryPanel>
  )
}
