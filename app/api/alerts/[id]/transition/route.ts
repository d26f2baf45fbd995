import { alertIdParam, alertTransitionBody } from '@/lib/alerts/api'
import { AlertNotFound, transitionAlert } from '@/lib/alerts/engine'
import { applyAction, TransitionError } from '@/lib/alerts/lifecycle'
import { getAlert } from '@/lib/alerts/store'
import { audited, requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/http/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * POST /api/alerts/[id]/transition {action, until?, note?} → AlertTransitionResponse.
 * Responders and admins; the actor is the signed-in user, and every change is
 * audited before it is written. The entry's before/after come from a read and
 * a dry run of the same action just ahead of the locked write, so a detector
 * run in between may move score or last-seen; the alert's transitions are
 * exact.
 */
export const POST = route({ role: 'responder', body: alertTransitionBody }, async ({ req, principal, params, body }) => {
  const id = alertIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid alert id')
  const store = await appStore()
  const now = Date.now()
  const opts = { until: body.until, note: body.note }
  try {
    // Refused requests (unknown alert, action not allowed in this state) change nothing and are not audited.
    const current = await getAlert(store, id.data)
    if (!current) throw new AlertNotFound(id.data)
    const { evidence: _e, ...before } = current
    const { evidence: _f, ...after } = applyAction(current, body.action, principal.userId, now, opts).alert
    const { before: _b, ...result } = await audited(store, {
      actor: principal.userId, actorRole: principal.role, action: `alert.${body.action}`, subject: id.data,
      before, after, ipPrefix: requestIpPrefix(req),
    }, () => transitionAlert(store, id.data, body.action, principal.userId, now, opts))
    return result
  } catch (err) {
    if (err instanceof AlertNotFound) throw new HttpError(404, 'alert not found')
    if (err instanceof TransitionError) throw new HttpError(409, err.message)
    throw err
  }
})
