import { audited, type AuditInput } from '../audit'
import type { Store } from '../clickhouse/client'
import type { DetectionRun } from '../detection/detect-all'
import type { DetectorName } from '../detection/types'
import { stabilizeClusterSubjects } from './cluster-identity'
import { foldFarmMembers, retireAbsorbed } from './farm-fold'
import { applyIncidentAction } from './incident-actions'
import { activeIncidents, getIncident, writeIncidents, writeIncidentTransitions } from './incident-store'
import { changedSinceRead } from './versioned-table'
import type { Incident, IncidentNotification, IncidentTransitionResponse } from './incident-types'
import { assignIncidents, type IncidentRun } from './incidents'
import { applyAction, reconcile, type AlertPolicy, type Reconciled } from './lifecycle'
import type { IncidentNotifier } from './notify'
import { activeAlerts, alertsOfIncidents, getAlert, withAlertLock, writeAlerts, writeTransitions } from './store'
import { ALLOWED_FROM, type Alert, type AlertAction, type AlertTransitionResponse } from './types'

export interface AppliedRun extends Reconciled {
  incidents: IncidentRun
}

export interface PlannedRun extends AppliedRun {
  /** Alerts that changed in this run, to be written. */
  written: Alert[]
}

/**
 * One detection run applied in memory, given the alerts and incidents that
 * are still live: farm members' bombing folded into their farm, alert dedup
 * per detector and subject with hysteresis and auto-resolve (lifecycle.ts),
 * then alerts grouped into incidents (incidents.ts). Pure, so the evaluation
 * (harness/eval/replay.ts) scores exactly what the product would raise.
 */
export function planDetectionRun(
  loaded: Alert[],
  liveIncidents: Incident[],
  run: DetectionRun,
  policy: AlertPolicy,
  ran?: ReadonlySet<DetectorName>,
): PlannedRun {
  const failed = new Set(run.failed.map((f) => f.detector))
  const folded = foldFarmMembers(stabilizeClusterSubjects(loaded, run.findings), loaded)
  const retired = retireAbsorbed(loaded, folded.absorbed, run.now)
  const retiredById = new Map(retired.alerts.map((a) => [a.id, a]))
  const active = loaded.map((a) => retiredById.get(a.id) ?? a)
  const result = reconcile(active, folded.findings, run.now, policy, failed, ran)
  const written = new Map<string, Alert>([...retired.alerts, ...result.upserts].map((a) => [a.id, a]))
  const all = active.map((a) => written.get(a.id) ?? a)
  for (const a of written.values()) if (!all.some((x) => x.id === a.id)) all.push(a)
  const incidents = assignIncidents(liveIncidents, all, new Set(written.keys()), run.now)
  for (const a of incidents.alerts) written.set(a.id, a)
  const transitions = [...retired.transitions, ...result.transitions]
  return { ...result, upserts: [...written.values()], transitions, incidents, written: [...written.values()] }
}

/**
 * Applies one detection run (planDetectionRun) to the store. One
 * notification per changed incident is queued, not sent, so this returns as
 * soon as the rows are written.
 */
export async function applyDetectionRun(
  store: Store,
  run: DetectionRun,
  policy: AlertPolicy,
  notifier?: IncidentNotifier | null,
  ran?: ReadonlySet<DetectorName>,
): Promise<AppliedRun> {
  return withAlertLock(async () => {
    let loaded: Alert[]
    let live: Incident[]
    let plan: PlannedRun
    // Planned again (twice at most) when a user's action in another process changed a row this run would overwrite:
    // in server mode the dashboard and the detection process are apart, and the lock excludes only this process.
    for (let attempt = 1; ; attempt++) {
      loaded = await activeAlerts(store, run.now - policy.resolveAfterMs)
      // Incidents resolved since the same window can still be reopened by their alerts.
      live = await activeIncidents(store, run.now - 2 * policy.resolveAfterMs)
      plan = planDetectionRun(loaded, live, run, policy, ran)
      if (attempt === 3) break
      const alertsMoved = await changedSinceRead(
        store,
        'alerts',
        loaded,
        plan.written.map((a) => a.id),
      )
      if (
        !alertsMoved &&
        !(await changedSinceRead(
          store,
          'incidents',
          live,
          plan.incidents.incidents.map((i) => i.id),
        ))
      )
        break
    }
    const { written, ...planned } = plan
    await writeAlerts(store, written)
    await writeTransitions(store, planned.transitions)
    await writeIncidents(store, planned.incidents.incidents)
    await writeIncidentTransitions(store, planned.incidents.transitions)
    for (const n of planned.incidents.notifications) notifier?.enqueue(n)
    return planned
  })
}

export class AlertNotFound extends Error {}
export class IncidentNotFound extends Error {}

type AuditFor = (before: unknown, after: unknown) => AuditInput

/**
 * A user's action on an incident and its alerts, serialized with detection
 * runs of this process. With `audit`, the entry (incident as read and as it
 * will be written) is recorded before the write, under the same lock
 * (lib/audit/audited.ts). The notification goes out after the write.
 */
export async function transitionIncident(
  store: Store,
  id: string,
  action: AlertAction,
  actor: string,
  now: number,
  opts: { until?: number; note?: string } = {},
  audit?: AuditFor,
  notifier?: IncidentNotifier | null,
): Promise<IncidentTransitionResponse & { notification: IncidentNotification }> {
  const done = await withAlertLock(async () => {
    const incident = await getIncident(store, id)
    if (!incident) throw new IncidentNotFound(`incident ${id} not found`)
    const members = await alertsOfIncidents(store, [id], true)
    const r = applyIncidentAction(incident, members, action, actor, now, opts)
    const write = async () => {
      await writeAlerts(store, r.alerts)
      await writeTransitions(store, r.alertTransitions)
      await writeIncidents(store, [r.incident])
      await writeIncidentTransitions(store, [r.transition])
      return r
    }
    if (!audit) return write()
    const { keys: _k, ...before } = incident
    const { keys: _l, ...after } = r.incident
    return audited(store, audit(before, { ...after, alerts_changed: r.alerts.map((a) => a.id) }), write)
  })
  notifier?.enqueue(done.notification)
  const { keys: _k, ...incident } = done.incident
  const changed = new Map(done.alerts.map((a) => [a.id, a]))
  return { incident, alerts: done.notification.alerts.map((a) => changed.get(a.id) ?? a), transition: done.transition, notification: done.notification }
}

/**
 * A user's action on one alert. An alert that belongs to an incident is acted
 * on through its incident (the action applies to the whole attack); the
 * response is that alert as written. Alerts without an incident (written
 * before incidents existed) change alone.
 */
export async function transitionAlert(
  store: Store,
  id: string,
  action: AlertAction,
  actor: string,
  now: number,
  opts: { until?: number; note?: string } = {},
  audit?: AuditFor,
  notifier?: IncidentNotifier | null,
): Promise<AlertTransitionResponse> {
  const alert = await getAlert(store, id)
  if (!alert) throw new AlertNotFound(`alert ${id} not found`)
  const incident = alert.incident_id ? await getIncident(store, alert.incident_id) : null
  // When the incident is already past this action (e.g. acknowledged, and this alert joined later), the alert changes alone.
  if (incident && !incident.merged_into && ALLOWED_FROM[action].includes(incident.state)) {
    const r = await transitionIncident(store, alert.incident_id, action, actor, now, opts, audit, notifier)
    const mine = r.alerts.find((a) => a.id === id) ?? alert
    return {
      alert: mine,
      transition: { alert_id: id, at: now, from_state: alert.state, to_state: mine.state, actor, action, note: `via incident ${alert.incident_id}` },
    }
  }
  return withAlertLock(async () => {
    const current = (await getAlert(store, id))!
    const result = applyAction(current, action, actor, now, opts)
    const write = async () => {
      await writeAlerts(store, [result.alert])
      await writeTransitions(store, [result.transition])
      return result
    }
    if (!audit) return write()
    const { evidence: _e, ...before } = current
    const { evidence: _f, ...after } = result.alert
    return audited(store, audit(before, after), write)
  })
}
