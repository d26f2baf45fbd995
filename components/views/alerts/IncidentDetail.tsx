'use client'
import Link from 'next/link'
import { ActionPanel } from '@/components/policy/ActionPanel'
import type { FarmCluster } from '@/lib/detection/types'
import { useIncident, useIncidentTransition } from '../../hooks/useIncidents'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { Badge } from '../../ui/Badge'
import { ErrorState, LoadingState, Panel } from '../../ui/Panel'
import { AlertEvidence } from './AlertEvidence'
import { LifecycleActions, LifecycleFacts } from './Lifecycle'
import { TransitionHistory } from './TransitionHistory'

/**
 * One incident: actions that apply to the incident and all its alerts, then
 * each member alert with its evidence, then the history. Every string from
 * the data is rendered as React text (escaped), never as HTML or markdown.
 */
export function IncidentDetail({ id }: { id: string }) {
  const q = useIncident(id)
  const transition = useIncidentTransition()
  const { globalQuery } = useDashboardParams()
  if (q.isPending) return <LoadingState height={300} />
  if (!q.data) return q.error ? <ErrorState error={q.error} /> : null
  const { incident: i, alerts } = q.data
  const farm = alerts.find((a) => a.detector === 'emulator_farms' && a.state !== 'resolved')?.evidence as FarmCluster | undefined
  const installs = alerts.filter((a) => a.subject_kind === 'install').map((a) => a.subject)
  return (
    <div className="grid" style={{ gap: 12 }} data-testid="incident-detail">
      <Panel
        id="incident-detail"
        title={i.title}
        actions={
          <>
            <Badge kind={i.severity} />
            <Badge kind={i.state} />
          </>
        }
      >
        <div className="grid" style={{ gap: 10 }}>
          <dl className="kv">
            <dt>Tenant</dt>
            <dd className="mono">{i.tenant_id}</dd>
            <dt>Alerts</dt>
            <dd>
              {alerts.length} from {i.detectors.join(', ')} · peak score {i.score.toFixed(1)}
            </dd>
            <LifecycleFacts item={i} />
          </dl>
          <LifecycleActions
            noun="Incident"
            state={i.state}
            transition={{ ...transition, mutate: (req, opts) => transition.mutate({ id: i.id, ...req }, opts) }}
          />
        </div>
      </Panel>
      {alerts.map((a) => (
        <Panel
          key={a.id}
          id={`incident-alert-${a.detector}`}
          title={a.title}
          sub={`${a.detector} · ${a.subject_kind} ${a.subject}`}
          actions={
            <>
              <Badge kind={a.severity} />
              <Badge kind={a.state} />
              <Link href={`/alerts/${encodeURIComponent(a.id)}${globalQuery}`} className="small">
                alert →
              </Link>
            </>
          }
        >
          <div className="grid" style={{ gap: 8 }} data-testid="incident-alert" data-detector={a.detector}>
            {a.evidence && 'reasons' in a.evidence && (
              <ul className="reason-list">
                {a.evidence.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            )}
            <AlertEvidence alert={a} />
          </div>
        </Panel>
      ))}
      {(installs.length > 0 || farm) && (
        <Panel id="alert-actions" title="Respond">
          <ActionPanel
            scope="install"
            subject={installs.length === 1 && !farm ? installs[0] : undefined}
            installIds={farm?.members ?? installs}
            outOf={farm?.size}
          />
        </Panel>
      )}
      <TransitionHistory id="incident" lastSeen={i.last_seen} transitions={q.data.transitions} />
    </div>
  )
}
