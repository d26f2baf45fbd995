'use client'
import { count, dateTime, zoneName } from '@/lib/format'
import type { DeadLetterSample } from '@/lib/dashboard/types'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useDeadLetters, useDeadLettersExportUrl } from '../../hooks/useIngest'
import { CsvLink } from '../../ui/CsvLink'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel } from '../../ui/Panel'

/** Local times; the header names the zone once for the whole column. */
const columns = (zone: string): Column<DeadLetterSample>[] => [
  { key: 'received_at', header: `Received (${zone})`, render: (r) => <span className="mono">{dateTime(r.received_at)}</span> },
  { key: 'reason', header: 'Reason', render: (r) => <span className="chip">{r.reason}</span> },
  {
    key: 'source',
    header: 'Source',
    render: (r) => (
      <span className="mono small">
        {r.src_topic}/{r.src_partition}@{r.src_offset}
      </span>
    ),
  },
  {
    key: 'error',
    header: 'Error',
    render: (r) => (
      <span title={r.error} style={{ whiteSpace: 'normal', display: 'block', maxWidth: 360 }}>
        {r.error}
      </span>
    ),
  },
  {
    key: 'payload',
    header: 'Payload sample',
    render: (r) => (
      <pre className="pre mono small" style={{ maxWidth: 420 }}>
        {r.payload || '(empty)'}
      </pre>
    ),
  },
  { key: 'bytes', header: 'Bytes', numeric: true, render: (r) => count(r.payload_bytes) },
]

/** Dead letters in the range: counts per reason (click to filter) and newest samples with their payloads. */
export function DeadLetters() {
  const { search, setParams } = useDashboardParams()
  const reason = search.get('dlReason') ?? ''
  const page = Math.max(0, Number(search.get('dlPage') ?? 0) || 0)
  const q = useDeadLetters(reason, page)
  const csv = useDeadLettersExportUrl(reason)
  return (
    <QueryPanel
      id="dead-letters"
      title="Dead letters"
      sub={q.data ? `${count(q.data.reasons.reduce((s, r) => s + r.count, 0))} in range` : undefined}
      query={q}
      flush
      height={160}
      isEmpty={(d) => d.reasons.length === 0}
      empty="No dead letters in this range"
      actions={<CsvLink href={csv} testId="dead-letters-export" title="every dead letter in range (of the picked reason), newest first" />}
    >
      {(d) => (
        <>
          <div className="toolbar" style={{ padding: '8px 12px' }} role="group" aria-label="Filter by reason">
            <button type="button" className={`btn small ${reason === '' ? 'primary' : ''}`} onClick={() => setParams({ dlReason: null, dlPage: null })}>
              All reasons
            </button>
            {d.reasons.map((r) => (
              <button
                key={r.reason}
                type="button"
                className={`btn small ${reason === r.reason ? 'primary' : ''}`}
                aria-pressed={reason === r.reason}
                onClick={() => setParams({ dlReason: r.reason, dlPage: null })}
              >
                {r.reason} <span className="num">{count(r.count)}</span>
              </button>
            ))}
          </div>
          <DataTable
            testId="dead-letters-table"
            columns={columns(zoneName(d.rows[0]?.received_at))}
            rows={d.rows}
            rowKey={(r) => `${r.src_topic}/${r.src_partition}/${r.src_offset}/${r.received_at}`}
            page={{ offset: d.offset, limit: d.limit, total: d.total, onPage: (p) => setParams({ dlPage: p || null }) }}
          />
        </>
      )}
    </QueryPanel>
  )
}
