import { alertIdParam, alertTransitionBody } from '@/lib/alerts/api'
import { AlertNotFound, transitionAlert } from '@/lib/alerts/engine'
import { TransitionError } from '@/lib/alerts/lifecycle'
import { sharedNotifier } from '@/lib/alerts/notify'
import { requestIpPrefix } from '@/lib/audit'
import { loadConfig } from '@/lib/config'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * POST /api/alerts/[id]/transition {action, until?, note?} → AlertTransitionResponse.
 * An alert in an incident is acted on through its incident (all its alerts
 * change, lib/alerts/engine.ts); prefer /api/incidents/[id]/transition. Responders and admins; the actor is the signed-in user, and every change is
 * audited before it is written, with the alert as read and as written under
 * the alert lock.
 */
export const POST = route({ role: 'responder', body: alertTransitionBody }, async ({ req, principal, params, body }) => {
  const id = alertIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid alert id')
  const store = await appStore()
  const now = Date.now()
  const opts = { until: body.until, note: body.note }
  try {
    // Refused requests (unknown alert, action not allowed in this state) change nothing and are not audited.
    return await transitionAlert(
      store,
      id.data,
      body.action,
      principal.userId,
      now,
      opts,
      (before, after) => ({
        actor: principal.userId,
        actorRole: principal.role,
        action: `alert.${body.action}`,
        subject: id.data,
        before,
        after,
        ipPrefix: requestIpPrefix(req),
      }),
      sharedNotifier(store, loadConfig()),
    )
  } catch (err) {
    if (err instanceof AlertNotFound) throw new HttpError(404, 'alert not found')
    if (err instanceof TransitionError) throw new HttpError(409, err.message)
    throw err
  }
})
