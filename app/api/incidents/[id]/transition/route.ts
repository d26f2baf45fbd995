import { alertTransitionBody } from '@/lib/alerts/api'
import { IncidentNotFound, transitionIncident } from '@/lib/alerts/engine'
import { incidentIdParam } from '@/lib/alerts/incident-api'
import { TransitionError } from '@/lib/alerts/lifecycle'
import { sharedNotifier } from '@/lib/alerts/notify'
import { requestIpPrefix } from '@/lib/audit'
import { loadConfig } from '@/lib/config'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * POST /api/incidents/[id]/transition {action, until?, note?} → IncidentTransitionResponse.
 * Acknowledge, resolve, snooze or reopen the incident and its alerts. Responders
 * and admins; audited before it is written; webhooks and PagerDuty are told.
 */
export const POST = route({ role: 'responder', body: alertTransitionBody }, async ({ req, principal, params, body }) => {
  const id = incidentIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid incident id')
  const store = await appStore()
  try {
    const { notification: _n, ...r } = await transitionIncident(
      store,
      id.data,
      body.action,
      principal.userId,
      Date.now(),
      { until: body.until, note: body.note },
      (before, after) => ({
        actor: principal.userId,
        actorRole: principal.role,
        action: `incident.${body.action}`,
        subject: id.data,
        before,
        after,
        ipPrefix: requestIpPrefix(req),
      }),
      sharedNotifier(store, loadConfig()),
    )
    return r
  } catch (err) {
    if (err instanceof IncidentNotFound) throw new HttpError(404, 'incident not found')
    if (err instanceof TransitionError) throw new HttpError(409, err.message)
    throw err
  }
})
