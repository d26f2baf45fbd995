'use client'
import Link from 'next/link'
import { useState } from 'react'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { dateTime, zoneName } from '@/lib/format'
import type { Alert, AlertAction } from '@/lib/alerts/types'
import type { FarmCluster } from '@/lib/detection/types'
import { useAlert, useAlertTransition } from '../../hooks/useAlerts'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { useMe } from '../../hooks/useMe'
import { Badge } from '../../ui/Badge'
import { ErrorState, LoadingState, Panel } from '../../ui/Panel'
import { AlertEvidence } from './AlertEvidence'

const SNOOZES: [string, number][] = [
  ['1 h', 3_600_000],
  ['4 h', 4 * 3_600_000],
  ['24 h', 86_400_000],
]

function subjectHref(a: Alert, globalQuery: string): string | null {
  const q = (extra: string) => `${globalQuery}${globalQuery ? '&' : '?'}${extra}`
  switch (a.subject_kind) {
    case 'install':
      return `/installs/${encodeURIComponent(a.subject)}${globalQuery}`
    case 'cluster':
      return `/farms${q(`cluster=${encodeURIComponent(a.subject)}`)}`
    case 'tenant':
      return `/cost${q(`tenant=${encodeURIComponent(a.tenant_id)}`)}`
    case 'feature':
      return `/cost${q(`tenant=${encodeURIComponent(a.tenant_id)}`)}`
  }
}

export function AlertDetail({ id }: { id: string }) {
  const q = useAlert(id)
  const transition = useAlertTransition()
  const { globalQuery } = useDashboardParams()
  const me = useMe()
  // Transitions need responder: a viewer gets no buttons that can only fail. If /me
  // itself failed, offer them and let the server decide rather than lock a responder out.
  const canAct = me.role ? me.can('responder') : !!me.error
  const [note, setNote] = useState('')
  if (q.isPending) return <LoadingState height={300} />
  if (!q.data) return q.error ? <ErrorState error={q.error} /> : null
  const a = q.data.alert
  const act = (action: AlertAction, until?: number) => transition.mutate({ id: a.id, action, until, note: note || undefined }, { onSuccess: () => setNote('') })
  const href = subjectHref(a, globalQuery)
  const farm = a.detector === 'emulator_farms' && a.evidence ? (a.evidence as FarmCluster) : undefined
  const members = farm?.members
  return (
    <div className="grid" style={{ gap: 12 }}>
      <Panel
        id="alert-detail"
        title={a.title}
        actions={
          <>
            <Badge kind={a.severity} />
            <Badge kind={a.state} />
          </>
        }
      >
        <div className="grid" style={{ gap: 10 }}>
          <dl className="kv">
            <dt>Subject</dt>
            <dd>
              {a.subject_kind}{' '}
              {href ? (
                <Link href={href} className="mono" data-testid="alert-subject-link">
                  {a.subject}
                </Link>
              ) : (
                a.subject
              )}
            </dd>
            {a.incident_id && (
              <>
                <dt>Incident</dt>
                <dd>
                  <Link href={`/alerts${globalQuery}${globalQuery ? '&' : '?'}incident=${encodeURIComponent(a.incident_id)}`} data-testid="alert-incident-link">
                    open the incident
                  </Link>{' '}
                  <span className="muted small">actions here apply to the whole incident</span>
                </dd>
              </>
            )}
            <dt>Detector</dt>
            <dd>
              {a.detector} · score {a.score.toFixed(1)} (peak {a.peak_score.toFixed(1)})
            </dd>
            <dt>Seen</dt>
            <dd>
              {dateTime(a.first_seen)} → {dateTime(a.last_seen)} <span className="muted small">{zoneName(a.last_seen)}</span>
            </dd>
            {a.acknowledged_by && (
              <>
                <dt>Acknowledged</dt>
                <dd>
                  {a.acknowledged_by} at {dateTime(a.acknowledged_at ?? 0)}
                </dd>
              </>
            )}
            {a.snoozed_until && a.state === 'snoozed' && (
              <>
                <dt>Snoozed until</dt>
                <dd>{dateTime(a.snoozed_until)}</dd>
              </>
            )}
            {a.resolved_at && (
              <>
                <dt>Resolved</dt>
                <dd>
                  {a.resolved_by} at {dateTime(a.resolved_at)}
                </dd>
              </>
            )}
          </dl>
          {a.evidence && 'reasons' in a.evidence && (
            <ul className="reason-list">
              {a.evidence.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
          {canAct ? (
            <div className="toolbar" role="group" aria-label="Alert actions">
              {a.state === 'open' && (
                <button type="button" className="btn primary" onClick={() => act('acknowledge')} disabled={transition.isPending}>
                  Acknowledge
                </button>
              )}
              {a.state !== 'resolved' && (
                <button type="button" className="btn" onClick={() => act('resolve')} disabled={transition.isPending}>
                  Resolve
                </button>
              )}
              {a.state !== 'resolved' &&
                SNOOZES.map(([label, ms]) => (
                  <button key={label} type="button" className="btn" onClick={() => act('snooze', Date.now() + ms)} disabled={transition.isPending}>
                    Snooze {label}
                  </button>
                ))}
              {a.state !== 'open' && (
                <button type="button" className="btn" onClick={() => act('reopen')} disabled={transition.isPending}>
                  Reopen
                </button>
              )}
              <input aria-label="Note" placeholder="note (optional)" value={note} onChange={(e) => setNote(e.target.value)} style={{ minWidth: 160 }} />
            </div>
          ) : (
            me.role && (
              <p className="muted small" style={{ margin: 0 }} data-testid="alert-actions-readonly">
                Read only: acknowledging, resolving and snoozing need the responder role (you are {me.role}).
              </p>
            )
          )}
          {transition.error && (
            <div role="alert" style={{ color: 'var(--crit)' }}>
              {transition.error.message}
            </div>
          )}
        </div>
      </Panel>
      <Panel id="alert-evidence" title="Evidence">
        <AlertEvidence alert={a} />
      </Panel>
      {(a.subject_kind === 'install' || members) && (
        <Panel id="alert-actions" title="Respond">
          <ActionPanel scope="install" subject={a.subject_kind === 'install' ? a.subject : undefined} installIds={members} outOf={farm?.size} />
        </Panel>
      )}
      <Panel id="alert-history" title="History" sub={`times in ${zoneName(a.last_seen)}`} flush>
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="alert-history">
          {q.data.transitions.map((t) => (
            <li key={`${t.at}-${t.to_state}-${t.action}`} className="list-item" style={{ cursor: 'default' }}>
              <span>
                <b>{t.action}</b>{' '}
                <span className="muted">
                  {t.from_state} → {t.to_state}
                </span>{' '}
                by {t.actor}
              </span>
              <span className="muted small">
                {dateTime(t.at)}
                {t.note ? ` · ${t.note}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </Panel>
    </div>
  )
}
