'use client'
import { ago } from '@/lib/format'
import { ALERT_STATES } from '@/lib/alerts/types'
import { DETECTOR_NAMES, SEVERITIES } from '@/lib/detection/types'
import { useIncidents, useIncidentsExportUrl } from '../../hooks/useIncidents'
import { CsvLink } from '../../ui/CsvLink'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { Badge } from '../../ui/Badge'
import { EmptyState, QueryPanel } from '../../ui/Panel'
import { PageHead } from '../shared/PageHead'
import { IncidentDetail } from './IncidentDetail'

const PAGE_SIZE = 25

/**
 * On-call inbox of incidents: one row per attack with its member alerts;
 * filter by state, severity and detector; pick one to see every alert's
 * evidence and act on the whole incident.
 */
export function IncidentsView() {
  const { search, setParams } = useDashboardParams()
  const state = search.get('state') ?? 'open'
  const severity = search.get('severity') ?? ''
  const detector = search.get('detector') ?? ''
  const page = Math.max(0, Number(search.get('incidentsPage') ?? 0) || 0)
  const filter = { state: state === 'all' ? undefined : state, severity: severity || undefined, detector: detector || undefined, sort: 'severity' as const }
  const q = useIncidents({ ...filter, limit: PAGE_SIZE, offset: page * PAGE_SIZE })
  const csv = useIncidentsExportUrl(filter)
  // Badge counts from their own request, independent of the state and severity filters.
  const unresolved = useIncidents({ state: 'open,acknowledged', detector: detector || undefined, limit: 1 })
  const counts = unresolved.data?.counts
  const selectedId = search.get('incident') ?? q.data?.incidents[0]?.id ?? null
  const pages = q.data ? Math.max(1, Math.ceil(q.data.total / PAGE_SIZE)) : 1
  const reset = { incidentsPage: null, incident: null }
  return (
    <>
      <PageHead
        title="Alerts"
        description="Incidents: the alerts of one attack together. Acknowledge, resolve or snooze an incident and its alerts; every change is audited."
      />
      <div className="toolbar" data-testid="alert-filters">
        <div className="segmented small" role="group" aria-label="State">
          {[...ALERT_STATES, 'all'].map((s) => (
            <button
              key={s}
              type="button"
              className={state === s ? 'on' : undefined}
              aria-pressed={state === s}
              onClick={() => setParams({ state: s === 'open' ? null : s, ...reset })}
            >
              {s}
            </button>
          ))}
        </div>
        <div className="segmented small" role="group" aria-label="Severity">
          {['', ...SEVERITIES].map((s) => (
            <button
              key={s || 'any'}
              type="button"
              className={severity === s ? 'on' : undefined}
              aria-pressed={severity === s}
              onClick={() => setParams({ severity: s || null, ...reset })}
            >
              {s || 'any severity'}
              {s && counts ? (
                <span className="num" title={`${counts[s as keyof typeof counts]} unresolved ${s} incidents in range`}>
                  {' '}
                  {counts[s as keyof typeof counts]}
                </span>
              ) : (
                ''
              )}
            </button>
          ))}
        </div>
        {counts && <span className="muted small">counts: unresolved (open + acknowledged) incidents in range</span>}
        <select aria-label="Detector" value={detector} onChange={(e) => setParams({ detector: e.target.value || null, ...reset })}>
          <option value="">All detectors</option>
          {DETECTOR_NAMES.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>
      <div className="split">
        <QueryPanel
          id="alert-inbox"
          title="Incidents"
          sub={q.data ? `${q.data.total} incidents` : undefined}
          query={q}
          flush
          height={300}
          isEmpty={(d) => d.total === 0}
          empty="No incidents match these filters"
          actions={<CsvLink href={csv} testId="incidents-export" title="every incident of these filters, in this order" />}
        >
          {(d) => (
            <>
              {d.incidents.length === 0 && page > 0 && (
                <div className="state" data-state="past-end">
                  Page {page + 1} is past the end ({pages} {pages === 1 ? 'page' : 'pages'}).
                  <button type="button" className="btn small" onClick={() => setParams({ incidentsPage: null })}>
                    Back to first page
                  </button>
                </div>
              )}
              <div role="listbox" aria-label="Incidents" data-testid="incident-list">
                {d.incidents.map((i) => (
                  <button
                    key={i.id}
                    type="button"
                    role="option"
                    aria-selected={i.id === selectedId}
                    className={`list-item ${i.id === selectedId ? 'selected' : ''}`}
                    style={{
                      all: 'unset',
                      display: 'grid',
                      gap: 3,
                      padding: '8px 12px',
                      borderBottom: '1px solid var(--border)',
                      cursor: 'pointer',
                      width: 'calc(100% - 24px)',
                    }}
                    onClick={() => setParams({ incident: i.id })}
                    data-incident-id={i.id}
                  >
                    <span className="row gap">
                      <Badge kind={i.severity} />
                      <Badge kind={i.state} />
                      <span style={{ color: 'var(--text-strong)' }}>{i.title}</span>
                    </span>
                    <span className="muted small">
                      {i.tenant_id} · {i.alerts.length} alert{i.alerts.length === 1 ? '' : 's'}: {i.detectors.join(', ')} · last {ago(i.last_seen)}
                    </span>
                    <ul className="small muted" style={{ margin: 0, paddingLeft: 16 }} data-testid="incident-members">
                      {i.alerts.slice(0, 4).map((a) => (
                        <li key={a.id}>
                          {a.detector}: {a.subject_kind} {a.subject} ({a.state})
                        </li>
                      ))}
                      {i.alerts.length > 4 && <li>… {i.alerts.length - 4} more</li>}
                    </ul>
                  </button>
                ))}
              </div>
              <div className="pager">
                <span>
                  Page {page + 1} / {pages}
                </span>
                <span className="row gap">
                  <button
                    type="button"
                    className="btn small"
                    disabled={page === 0}
                    onClick={() => setParams({ incidentsPage: Math.min(page, pages) - 1 || null })}
                  >
                    ‹ Prev
                  </button>
                  <button type="button" className="btn small" disabled={page + 1 >= pages} onClick={() => setParams({ incidentsPage: page + 1 })}>
                    Next ›
                  </button>
                </span>
              </div>
            </>
          )}
        </QueryPanel>
        {selectedId ? (
          <IncidentDetail key={selectedId} id={selectedId} />
        ) : (
          <div className="panel">
            <EmptyState>Select an incident</EmptyState>
          </div>
        )}
      </div>
    </>
  )
}
