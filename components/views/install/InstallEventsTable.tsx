'use client'
import { compact, dateTime, duration, usd, zoneName } from '@/lib/format'
import type { InstallEventRow } from '@/lib/dashboard/types'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useInstallEvents, useInstallEventsExportUrl } from '../../hooks/useInstall'
import { CsvLink } from '../../ui/CsvLink'
import { Badge } from '../../ui/Badge'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel } from '../../ui/Panel'
import { usePageState } from '../shared/usePageState'

const TYPES = [
  ['all', 'All'],
  ['attestation', 'Attestations'],
  ['stream', 'Streams'],
  ['llm_request', 'Requests'],
  ['policy_denial', 'Denials'],
] as const

function detail(r: InstallEventRow) {
  switch (r.type) {
    case 'attestation':
      return r.verdict === 'rejected' ? (
        <>
          <Badge kind="open">rejected</Badge>{' '}
          {r.reasons.map((x) => (
            <span key={x} className="chip">
              {x}
            </span>
          ))}
        </>
      ) : (
        <Badge kind="resolved">accepted</Badge>
      )
    case 'stream':
      return (
        <>
          {r.end_reason} · {duration(r.duration_ms)}
        </>
      )
    case 'policy_denial':
      return <Badge kind="acknowledged">{r.rule_kind}</Badge>
    default:
      return r.outcome
  }
}

/** Local times; the header names the zone once for the whole column. */
const columns = (zone: string): Column<InstallEventRow>[] => [
  { key: 'ts', header: `Time (${zone})`, sortable: true, render: (r) => <span className="mono">{dateTime(r.ts)}</span> },
  { key: 'type', header: 'Type', render: (r) => r.type },
  {
    key: 'feature',
    header: 'Feature / model',
    render: (r) =>
      r.feature ? (
        <>
          {r.feature}
          <span className="muted"> · {r.model || '–'}</span>
        </>
      ) : (
        '–'
      ),
  },
  { key: 'detail', header: 'Verdict / outcome', render: detail },
  { key: 'context', header: 'Context', numeric: true, render: (r) => (r.context_tokens ? compact(r.context_tokens) : '–') },
  {
    key: 'tokens',
    header: 'In / out',
    numeric: true,
    render: (r) => (r.prompt_tokens || r.completion_tokens ? `${compact(r.prompt_tokens)} / ${compact(r.completion_tokens)}` : '–'),
  },
  { key: 'cost', header: 'Cost', numeric: true, render: (r) => (r.cost_micros ? usd(r.cost_micros, { precise: true }) : '–') },
]

/** The install's individual events in the window, newest first, filterable by type. */
export function InstallEventsTable({ id }: { id: string }) {
  // Type, direction and page live in the URL (evType, evDir, evPage) so a shared link opens the same slice.
  const { search, setParams } = useDashboardParams()
  const rawType = search.get('evType')
  const type = TYPES.find(([k]) => k === rawType)?.[0] ?? 'all'
  const state = usePageState('ev', { sort: 'ts', dir: 'desc' })
  const q = useInstallEvents(id, type, { sort: 'ts', dir: state.dir, offset: state.page * 25, limit: 25 })
  const csv = useInstallEventsExportUrl(id, type, state.dir)
  return (
    <QueryPanel
      id="install-events"
      title="Event timeline"
      sub="verdicts, streams, requests and denials"
      query={q}
      flush
      height={200}
      isEmpty={(d) => d.total === 0}
      actions={
        <>
          <div className="segmented small" role="group" aria-label="Event type">
            {TYPES.map(([k, label]) => (
              <button
                key={k}
                type="button"
                className={type === k ? 'on' : undefined}
                aria-pressed={type === k}
                onClick={() => setParams({ evType: k === 'all' ? null : k, evPage: null })}
              >
                {label}
              </button>
            ))}
          </div>
          <CsvLink href={csv} testId="install-events-export" title="every event of the install in range (of the type), in this order" />
        </>
      }
    >
      {(d) => (
        <DataTable
          testId="install-events-table"
          columns={columns(zoneName(d.rows[0]?.ts))}
          rows={d.rows}
          rowKey={(r) => `${r.ts}-${r.type}-${r.cost_micros}-${r.context_tokens}`}
          sort={{ sort: 'ts', dir: d.dir }}
          onSort={state.onSort}
          page={{ offset: d.offset, limit: d.limit, total: d.total, onPage: state.onPage }}
        />
      )}
    </QueryPanel>
  )
}
