'use client'
import Link from 'next/link'
import { ago } from '@/lib/format'
import { UNRESOLVED, useAlerts } from '../../hooks/useAlerts'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { Badge } from '../../ui/Badge'
import { QueryPanel } from '../../ui/Panel'

interface AlertMiniListProps {
  limit?: number
  /** Only alerts about this subject (install id, cluster id…), any state. */
  subject?: string
  title?: string
}

/**
 * Compact alert list: unresolved (open + acknowledged) alerts for the
 * overview, or every alert about one subject for drill-downs. Each row opens
 * the alert's incident in the inbox.
 */
export function AlertMiniList({ limit = UNRESOLVED.limit, subject, title = 'Unresolved alerts' }: AlertMiniListProps) {
  const q = useAlerts(subject ? { subject, limit, inRange: false } : { ...UNRESOLVED, limit })
  const { globalQuery } = useDashboardParams()
  const sep = globalQuery ? '&' : '?'
  const sub = q.data && (subject ? `any state · ${q.data.total}` : `${q.data.total} open + acknowledged`)
  return (
    <QueryPanel
      id={subject ? 'subject-alerts' : 'open-alerts'}
      title={title}
      sub={sub || undefined}
      query={q}
      flush
      height={200}
      isEmpty={(d) => d.alerts.length === 0}
      empty={subject ? 'No alerts about this subject' : 'No unresolved alerts. All quiet.'}
      actions={
        <Link href={`/alerts${globalQuery}`} className="small">
          Inbox →
        </Link>
      }
    >
      {(d) => (
        <div role="list" data-testid={subject ? 'subject-alerts' : 'open-alerts-list'}>
          {d.alerts.map((a) => (
            <Link
              key={a.id}
              role="listitem"
              href={
                a.incident_id ? `/alerts${globalQuery}${sep}incident=${encodeURIComponent(a.incident_id)}` : `/alerts/${encodeURIComponent(a.id)}${globalQuery}`
              }
              className="list-item"
              style={{ color: 'inherit', textDecoration: 'none' }}
            >
              <span className="row gap">
                <Badge kind={a.severity} />
                <Badge kind={a.state} />
                <span className="muted small">{ago(a.last_seen)}</span>
              </span>
              <span style={{ color: 'var(--text-strong)' }}>{a.title}</span>
              <span className="muted small">
                {a.detector} · {a.subject_kind} {a.subject}
              </span>
            </Link>
          ))}
        </div>
      )}
    </QueryPanel>
  )
}
