import type { Incident, IncidentEvent, IncidentNotification, IncidentTransition } from './incident-types'
import { orderMembers } from './incidents'
import { actionFields, applyAction, TransitionError } from './lifecycle'
import { nextVersion } from './store'
import { ALLOWED_FROM, type Alert, type AlertAction, type AlertTransition } from './types'

const EVENT: Record<AlertAction, IncidentEvent> = { acknowledge: 'acknowledged', resolve: 'resolved', snooze: 'snoozed', reopen: 'reopened' }

export interface IncidentActionResult {
  incident: Incident
  /** Member alerts the action changed (those in a state it applies to). */
  alerts: Alert[]
  transition: IncidentTransition
  alertTransitions: AlertTransition[]
  notification: IncidentNotification
}

/**
 * A user's action on an incident, applied to the incident and to each of its
 * alerts the action applies to (acknowledging an incident acknowledges its
 * open and snoozed alerts; resolving resolves them all). Pure; throws
 * TransitionError when the action does not apply to the incident's state.
 */
export function applyIncidentAction(
  i: Incident,
  members: Alert[],
  action: AlertAction,
  actor: string,
  now: number,
  opts: { until?: number; note?: string } = {},
): IncidentActionResult {
  if (i.merged_into) throw new TransitionError(`incident was merged into ${i.merged_into}`)
  if (!ALLOWED_FROM[action].includes(i.state)) throw new TransitionError(`cannot ${action} an incident that is ${i.state}`)
  const next: Incident = { ...i, ...actionFields(action, actor, now, opts), updated_at: now, version: nextVersion(i.version) }
  const note = (opts.note ?? (action === 'snooze' ? `until ${new Date(opts.until!).toISOString()}` : '')).slice(0, 1000)
  const alerts: Alert[] = []
  const alertTransitions: AlertTransition[] = []
  for (const a of members) {
    // Reopening an incident reopens only what the user had closed with it, not alerts that auto-resolved long ago.
    if (action === 'reopen' && a.state === 'resolved' && a.resolved_by === 'auto') continue
    if (!ALLOWED_FROM[action].includes(a.state)) continue
    const r = applyAction(a, action, actor, now, { until: opts.until, note: `via incident ${i.id}${note ? `: ${note}` : ''}` })
    alerts.push(r.alert)
    alertTransitions.push(r.transition)
  }
  const changed = new Map(alerts.map((a) => [a.id, a]))
  const all = orderMembers(members.map((a) => changed.get(a.id) ?? a))
  return {
    incident: next,
    alerts,
    alertTransitions,
    transition: { incident_id: i.id, at: now, from_state: i.state, to_state: next.state, actor, action, note },
    notification: { event: EVENT[action], incident: next, alerts: all, note: action === 'snooze' ? note : `by ${actor}` },
  }
}
