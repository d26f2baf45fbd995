import { audited, type AuditInput } from '../audit'
import type { Store } from '../clickhouse/client'
import type { DetectionRun } from '../detection/detect-all'
import type { DetectorName } from '../detection/types'
import { stabilizeClusterSubjects } from './cluster-identity'
import { applyAction, reconcile, type AlertPolicy, type Reconciled } from './lifecycle'
import { activeAlerts, getAlert, withAlertLock, writeAlerts, writeTransitions } from './store'
import type { AlertAction, AlertTransitionResponse } from './types'
import type { WebhookNotifier } from './webhooks'

/**
 * Applies one detection run to the stored alerts: dedup per detector and
 * subject, hysteresis, auto-resolve. Notifications are queued, not sent, so
 * this returns as soon as the rows are written.
 */
export async function applyDetectionRun(store: Store, run: DetectionRun, policy: AlertPolicy, notifier?: WebhookNotifier | null, ran?: ReadonlySet<DetectorName>): Promise<Reconciled> {
  return withAlertLock(async () => {
    const active = await activeAlerts(store, run.now - policy.resolveAfterMs)
    const failed = new Set(run.failed.map((f) => f.detector))
    const result = reconcile(active, stabilizeClusterSubjects(active, run.findings), run.now, policy, failed, ran)
    await writeAlerts(store, result.upserts)
    await writeTransitions(store, result.transitions)
    for (const n of result.notifications) notifier?.enqueue(n.event, n.alert)
    return result
  })
}

export class AlertNotFound extends Error {}

/**
 * A user's action, serialized with detection runs of this process. With
 * `audit`, the entry it builds from the alert as read and as it will be
 * written is recorded before the write, under the same lock, so its
 * before/after are exactly what changed (lib/audit/audited.ts).
 */
export async function transitionAlert(
  store: Store, id: string, action: AlertAction, actor: string, now: number,
  opts: { until?: number; note?: string } = {}, audit?: (before: unknown, after: unknown) => AuditInput,
): Promise<AlertTransitionResponse> {
  return withAlertLock(async () => {
    const alert = await getAlert(store, id)
    if (!alert) throw new AlertNotFound(`alert ${id} not found`)
    const result = applyAction(alert, action, actor, now, opts)
    const write = async () => {
      await writeAlerts(store, [result.alert])
      await writeTransitions(store, [result.transition])
      return result
    }
    if (!audit) return write()
    const { evidence: _e, ...before } = alert
    const { evidence: _f, ...after } = result.alert
    return audited(store, audit(before, after), write)
  })
}
