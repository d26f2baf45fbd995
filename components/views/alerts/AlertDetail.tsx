'use client'
import Link from 'next/link'
import { ActionPanel } from '@/components/policy/ActionPanel'
import type { Alert } from '@/lib/alerts/types'
import type { FarmCluster } from '@/lib/detection/types'
import { useAlert, useAlertTransition } from '../../hooks/useAlerts'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { Badge } from '../../ui/Badge'
import { ErrorState, LoadingState, Panel } from '../../ui/Panel'
import { AlertEvidence } from './AlertEvidence'
import { LifecycleActions, LifecycleFacts } from './Lifecycle'
import { TransitionHistory } from './TransitionHistory'

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
  if (q.isPending) return <LoadingState height={300} />
  if (!q.data) return q.error ? <ErrorState error={q.error} /> : null
  const a = q.data.alert
  const href = subjectHref(a, globalQuery)
  const farm = a.detector === 'emulator_farms' && a.evidence ? (a.evidence as FarmCluster) : undefined
  // A farm's members, or a group's (coordinated bombing, zombies spread over installs): the installs to act on.
  const group = a.subject_kind === 'cluster' ? (a.evidence as { members?: unknown } | null)?.members : undefined
  const members = farm?.members ?? (Array.isArray(group) ? (group as string[]) : undefined)
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
            <LifecycleFacts item={a} />
          </dl>
          {a.evidence && 'reasons' in a.evidence && (
            <ul className="reason-list">
              {a.evidence.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
          <LifecycleActions noun="Alert" state={a.state} transition={{ ...transition, mutate: (req, opts) => transition.mutate({ id: a.id, ...req }, opts) }} />
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
      <TransitionHistory id="alert" lastSeen={a.last_seen} transitions={q.data.transitions} />
    </div>
  )
}
