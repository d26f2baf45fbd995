'use client'
import { ago, count } from '@/lib/format'
import type { IngestHealthResponse } from '@/lib/dashboard/types'
import type { StuckPartition } from '@/lib/ingest/health'
import { DataTable, type Column } from '../../ui/DataTable'

type Row = StuckPartition & { instance: string; now: number }

const COLUMNS: Column<Row>[] = [
  { key: 'instance', header: 'Process', render: (r) => <span className="mono">{r.instance}</span> },
  { key: 'topic', header: 'Topic', render: (r) => r.topic },
  { key: 'partition', header: 'Partition', numeric: true, render: (r) => r.partition },
  { key: 'offset', header: 'Stuck at offset', numeric: true, render: (r) => count(r.offset) },
  { key: 'batch', header: 'Undecodable batch', render: (r) => `${r.offset}–${r.lastOffset}` },
  { key: 'since', header: 'Since', render: (r) => ago(r.since, r.now) },
  { key: 'attempts', header: 'Tries', numeric: true, render: (r) => count(r.attempts) },
  // Client-sent bytes never reach this text: it is the codec's or kafkajs' error message.
  { key: 'error', header: 'Error', render: (r) => <span style={{ color: 'var(--crit)' }}>{r.error}</span> },
]

/**
 * What is wrong with ingest right now, above everything else on the page: a
 * stuck partition (nothing past its offset is stored) or a Kafka consumer
 * that is down and restarting. The same verdict as /api/ingest/health/status.
 */
export function IngestProblems({ d, processes }: { d: IngestHealthResponse; processes: { id: string; h: { stuck?: StuckPartition[] } }[] }) {
  if (d.status !== 'error') return null
  const stuck: Row[] = processes.flatMap((p) => (p.h.stuck ?? []).map((s) => ({ ...s, instance: p.id, now: d.now })))
  return (
    <section className="panel" data-testid="ingest-problems" style={{ borderColor: 'var(--crit)' }}>
      <div className="state error" role="alert">
        <strong>Ingest error:</strong>
        <ul style={{ margin: '4px 0 0 16px' }}>
          {d.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
      {stuck.length > 0 && <DataTable testId="stuck-partitions" rows={stuck} rowKey={(r) => `${r.instance}/${r.topic}/${r.partition}`} columns={COLUMNS} />}
    </section>
  )
}
