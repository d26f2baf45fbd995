'use client'
import { ago } from '@/lib/format'
import { ALERT_STATES } from '@/lib/alerts/types'
import { DETECTOR_NAMES, SEVERITIES } from '@/lib/detection/types'
import { useAlerts } from '../../hooks/useAlerts'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { Badge } from '../../ui/Badge'
import { EmptyState, QueryPanel } from '../../ui/Panel'
import { PageHead } from '../shared/PageHead'
import { AlertDetail } from './AlertDetail'

const PAGE_SIZE = 25

/** On-call inbox: filter by state, severity and detector; pick an alert to see its evidence and act on it. */
export function AlertsView() {
  const { search, setParams } = useDashboardParams()
  const state = search.get('state') ?? 'open'
  const severity = search.get('severity') ?? ''
  const detector = search.get('detector') ?? ''
  const page = Math.max(0, Number(search.get('alertsPage') ?? 0) || 0)
  const q = useAlerts({ state: state === 'all' ? undefined : state, severity: severity || undefined, detector: detector || undefined, sort: 'severity', limit: PAGE_SIZE, offset: page * PAGE_SIZE })
  // Badge counts come from their own request, independent of the state and severity filters, so a
  // count always means "unresolved (open + acknowledged) alerts of this severity in range" and does
  // not drop to 0 under a resolved filter or for the severities not picked.
  const unresolved = useAlerts({ state: 'open,acknowledged', detector: detector || undefined, limit: 1 })
  const counts = unresolved.data?.counts
  const selectedId = search.get('alert') ?? q.data?.alerts[0]?.id ?? null
  const pages = q.data ? Math.max(1, Math.ceil(q.data.total / PAGE_SIZE)) : 1
  return (
    <>
      <PageHead title="Alerts" description="Inbox by severity and state. Acknowledge, resolve or snooze; every change is audited." />
      <div className="toolbar" data-testid="alert-filters">
        <div className="segmented small" role="group" aria-label="State">
          {[...ALERT_STATES, 'all'].map((s) => (
            <button key={s} type="button" className={state === s ? 'on' : undefined} aria-pressed={state === s} onClick={() => setParams({ state: s === 'open' ? null : s, alertsPage: null, alert: null })}>{s}</button>
          ))}
        </div>
        <div className="segmented small" role="group" aria-label="Severity">
          {['', ...SEVERITIES].map((s) => (
            <button key={s || 'any'} type="button" className={severity === s ? 'on' : undefined} aria-pressed={severity === s} onClick={() => setParams({ severity: s || null, alertsPage: null, alert: null })}>
              {s || 'any severity'}{s && counts ? <span className="num" title={`${counts[s as keyof typeof counts]} unresolved ${s} alerts in range`}> {counts[s as keyof typeof counts]}</span> : ''}
            </button>
          ))}
        </div>
        {counts && <span className="muted small">counts: unresolved (open + acknowledged) in range</span>}
        <select aria-label="Detector" value={detector} onChange={(e) => setParams({ detector: e.target.value || null, alertsPage: null, alert: null })}>
          <option value="">All detectors</option>
          {DETECTOR_NAMES.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </div>
      <div className="split">
        <QueryPanel id="alert-inbox" title="Inbox" sub={q.data ? `${q.data.total} alerts` : undefined} query={q} flush height={300} isEmpty={(d) => d.total === 0} empty="No alerts match these filters">
          {(d) => (
            <>
              {d.alerts.length === 0 && page > 0 && (
                // The URL points past the last page (alerts resolved, or an old link): offer the way back.
                <div className="state" data-state="past-end">
                  Page {page + 1} is past the end ({pages} {pages === 1 ? 'page' : 'pages'}).
                  <button type="button" className="btn small" onClick={() => setParams({ alertsPage: null })}>Back to first page</button>
                </div>
              )}
              <div role="listbox" aria-label="Alerts" data-testid="alert-list">
                {d.alerts.map((a) => (
                  <button key={a.id} type="button" role="option" aria-selected={a.id === selectedId} className={`list-item ${a.id === selectedId ? 'selected' : ''}`}
                    style={{ all: 'unset', display: 'grid', gap: 3, padding: '8px 12px', borderBottom: '1px solid var(--border)', cursor: 'pointer', width: 'calc(100% - 24px)' }}
                    onClick={() => setParams({ alert: a.id })} data-alert-id={a.id}>
                    <span className="row gap"><Badge kind={a.severity} /><Badge kind={a.state} /><span style={{ color: 'var(--text-strong)' }}>{a.title}</span></span>
                    <span className="muted small">{a.detector} · {a.tenant_id} · {a.subject} · last {ago(a.last_seen)}</span>
                  </button>
                ))}
              </div>
              <div className="pager">
                <span>Page {page + 1} / {pages}</span>
                <span className="row gap">
                  <button type="button" className="btn small" disabled={page === 0} onClick={() => setParams({ alertsPage: Math.min(page, pages) - 1 || null })}>‹ Prev</button>
                  <button type="button" className="btn small" disabled={page + 1 >= pages} onClick={() => setParams({ alertsPage: page + 1 })}>Next ›</button>
                </span>
              </div>
            </>
          )}
        </QueryPanel>
        {selectedId ? <AlertDetail key={selectedId} id={selectedId} /> : <div className="panel"><EmptyState>Select an alert</EmptyState></div>}
      </div>
    </>
  )
}
