'use client'
import { ago, compact, count, dateTimeZone, duration } from '@/lib/format'
import type { IngestHealthResponse } from '@/lib/dashboard/types'
import type { IngestHealth } from '@/lib/ingest/health'
import { TimeSeriesChart } from '../../charts/TimeSeriesChart'
import { useIngestHealth } from '../../hooks/useIngest'
import { Badge } from '../../ui/Badge'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel, TileErrors } from '../../ui/Panel'
import { StatTile, tileError } from '../../ui/StatTile'
import { PageHead } from '../shared/PageHead'
import { DeadLetters } from './DeadLetters'
import { IngestProblems } from './IngestProblems'

/** Every reporting process, with this app's own in-process ingest preferred when it reports too. */
function processes(d: IngestHealthResponse): { id: string; at: number; h: IngestHealth }[] {
  const list = d.instances.map((i) => ({ id: i.instance_id, at: i.at, h: i.health }))
  if (d.local && !list.some((p) => p.h.startedAt === d.local!.startedAt)) list.unshift({ id: 'this app', at: d.now, h: d.local })
  return list
}

const LAG_WARN = 1_000
const LAG_CRIT = 10_000
/** Lag level in words as well as colour, so it reads without colour vision. */
const lagLevel = (lag: number) => (lag > LAG_CRIT ? 'high' : lag > LAG_WARN ? 'elevated' : null)
const lagTone = (lag: number) => (lag > LAG_CRIT ? 'crit' : lag > LAG_WARN ? 'warn' : undefined)

const LAG_COLUMNS: Column<IngestHealth['lag'][number] & { instance: string }>[] = [
  { key: 'instance', header: 'Process', render: (r) => <span className="mono">{r.instance}</span> },
  { key: 'topic', header: 'Topic', render: (r) => r.topic },
  { key: 'partition', header: 'Partition', numeric: true, render: (r) => r.partition },
  { key: 'committed', header: 'Committed', numeric: true, render: (r) => count(r.committedOffset) },
  { key: 'hw', header: 'High watermark', numeric: true, render: (r) => count(r.highWatermark) },
  {
    key: 'lag',
    header: 'Lag',
    numeric: true,
    render: (r) => {
      const tone = lagTone(r.lag)
      return (
        <span style={{ color: tone ? `var(--${tone})` : undefined }}>
          {count(r.lag)}
          {lagLevel(r.lag) && ` (${lagLevel(r.lag)})`}
        </span>
      )
    },
  },
]

/** Down or stuck outranks paused (store unavailable), which outranks running. */
function ProcessState({ h }: { h: IngestHealth }) {
  if (h.consumer?.state === 'restarting') return <Badge kind="critical">consumer down, restarting</Badge>
  if (h.stuck?.length)
    return (
      <Badge kind="critical">
        {h.stuck.length} partition{h.stuck.length === 1 ? '' : 's'} stuck
      </Badge>
    )
  return h.paused ? <Badge kind="open">paused</Badge> : <Badge kind="resolved">running</Badge>
}

export function IngestView() {
  const q = useIngestHealth()
  const d = q.data
  const procs = d ? processes(d) : []
  const eps = procs.reduce((s, p) => s + p.h.eventsPerSec, 0)
  const lastInsert = Math.max(0, ...procs.map((p) => p.h.lastInsertAt ?? 0))
  const deadTotal = procs.reduce((s, p) => s + p.h.deadLettersTotal, 0)
  const lag = procs.flatMap((p) => p.h.lag.map((l) => ({ ...l, instance: p.id })))
  const totalLag = lag.reduce((s, l) => s + l.lag, 0)
  const errors = procs.filter((p) => p.h.lastError && (!p.h.lastInsertAt || p.h.lastError.at > p.h.lastInsertAt))
  const stale = d && lastInsert > 0 && d.now - lastInsert > 30_000
  const err = tileError(q)
  // "never" is not healthy: nothing has been written since the process started.
  const insertTone = !d ? undefined : stale ? 'crit' : lastInsert ? 'ok' : 'warn'
  const insertHint = !d
    ? undefined
    : stale
      ? `stale: nothing written for ${duration(d.now - lastInsert)}`
      : lastInsert
        ? dateTimeZone(lastInsert)
        : 'no insert since process start'
  const lagWord = lagLevel(totalLag)
  return (
    <>
      <PageHead title="Ingest health" description="Is every gateway event reaching ClickHouse? Throughput, lag, freshness and dead letters." />
      <TileErrors errors={[err]} />
      {d && <IngestProblems d={d} processes={procs} />}
      <div className="grid tiles" data-testid="ingest-tiles">
        <StatTile
          id="eps"
          label="Events / s"
          value={d ? compact(eps) : ''}
          loading={q.isPending}
          error={err}
          hint={`${procs.length} ingest process${procs.length === 1 ? '' : 'es'}`}
        />
        <StatTile
          id="last-insert"
          label="Last insert"
          value={d ? (lastInsert ? ago(lastInsert, d.now) : 'never') : ''}
          loading={q.isPending}
          error={err}
          tone={insertTone}
          hint={insertHint}
        />
        <StatTile
          id="freshness"
          label="Newest event"
          value={d ? (d.newestEventTs ? ago(d.newestEventTs, d.now) : 'none') : ''}
          loading={q.isPending}
          error={err}
          hint="event time of the newest stored row"
        />
        <StatTile
          id="lag"
          label="Consumer lag"
          value={d ? count(totalLag) : ''}
          loading={q.isPending}
          error={err}
          hint={lag.length ? `${lagWord ? `${lagWord} · ` : ''}${lag.length} partitions` : 'no Kafka partitions (simulator)'}
          tone={lagTone(totalLag)}
        />
        <StatTile
          id="events-total"
          label="Events ingested"
          value={d ? compact(procs.reduce((s, p) => s + p.h.eventsTotal, 0)) : ''}
          loading={q.isPending}
          error={err}
          hint="since process start"
        />
        <StatTile
          id="dead-total"
          label="Dead letters"
          value={d ? count(deadTotal) : ''}
          loading={q.isPending}
          error={err}
          tone={deadTotal > 0 ? 'warn' : 'ok'}
          hint="since process start"
        />
        <StatTile
          id="retries"
          label="Insert retries"
          value={d ? count(procs.reduce((s, p) => s + p.h.insertRetries, 0)) : ''}
          loading={q.isPending}
          error={err}
          tone={errors.length ? 'crit' : undefined}
          hint={errors[0]?.h.lastError ? errors[0].h.lastError.message : 'no current error'}
        />
        <StatTile
          id="batches"
          label="Batches"
          value={d ? compact(procs.reduce((s, p) => s + p.h.batchesTotal, 0)) : ''}
          loading={q.isPending}
          error={err}
          hint={d ? `${compact(procs.reduce((s, p) => s + p.h.bytesTotal, 0))}B read` : undefined}
        />
      </div>
      <div className="grid two">
        <QueryPanel
          id="throughput"
          title="Throughput"
          sub="events/s, from 5 s health snapshots"
          query={q}
          height={200}
          isEmpty={(x) => x.throughput.every((p) => p.eventsPerSec === 0)}
        >
          {(x) => (
            <TimeSeriesChart
              data={x.throughput}
              series={[{ key: 'eventsPerSec', label: 'events/s', color: '#3fb37f' }]}
              kind="area"
              unit="rate"
              fromMs={x.from}
              toMs={x.to}
              height={200}
              stepMs={x.stepS * 1000}
            />
          )}
        </QueryPanel>
        <QueryPanel
          id="processes"
          title="Ingest processes"
          query={q}
          flush
          height={200}
          isEmpty={(x) => processes(x).length === 0}
          empty="No ingest process has reported in the last 10 minutes"
        >
          {(x) => (
            <DataTable
              testId="ingest-processes"
              rows={processes(x)}
              rowKey={(p) => p.id}
              columns={[
                { key: 'id', header: 'Process', render: (p) => <span className="mono">{p.id}</span> },
                { key: 'source', header: 'Source', render: (p) => p.h.source },
                { key: 'state', header: 'State', render: (p) => <ProcessState h={p.h} /> },
                { key: 'eps', header: 'Events/s', numeric: true, render: (p) => compact(p.h.eventsPerSec) },
                { key: 'last', header: 'Last insert', render: (p) => (p.h.lastInsertAt ? ago(p.h.lastInsertAt, x.now) : 'never') },
                { key: 'report', header: 'Reported', render: (p) => ago(p.at, x.now) },
                {
                  key: 'error',
                  header: 'Last error',
                  render: (p) =>
                    p.h.lastError ? (
                      <span title={p.h.lastError.message} style={{ color: 'var(--crit)' }}>
                        failed {ago(p.h.lastError.at, x.now)}
                      </span>
                    ) : (
                      '–'
                    ),
                },
              ]}
            />
          )}
        </QueryPanel>
      </div>
      <QueryPanel
        id="lag-table"
        title="Consumer lag per partition"
        query={q}
        flush
        height={120}
        isEmpty={() => lag.length === 0}
        empty="No Kafka partitions: this deployment ingests from the built-in simulator (INGEST_SOURCE=simulator)."
      >
        {() => <DataTable testId="lag-table" rows={lag} rowKey={(r) => `${r.instance}/${r.topic}/${r.partition}`} columns={LAG_COLUMNS} />}
      </QueryPanel>
      <DeadLetters />
    </>
  )
}
