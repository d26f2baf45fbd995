import { alertIdParam, alertTransitionBody } from '@/lib/alerts/api'
import { AlertNotFound, transitionAlert } from '@/lib/alerts/engine'
import { TransitionError } from '@/lib/alerts/lifecycle'
import { recordAudit, requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/http/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * POST /api/alerts/[id]/transition {action, until?, note?} → AlertTransitionResponse.
 * Responders and admins; the actor is the signed-in user, and every change is audited.
 */
export const POST = route({ role: 'responder', body: alertTransitionBody }, async ({ req, principal, params, body }) => {
  const id = alertIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid alert id')
  const store = await appStore()
  try {
    const { before, ...result } = await transitionAlert(store, id.data, body.action, principal.userId, Date.now(), { until: body.until, note: body.note })
    const { evidence: _e, ...after } = result.alert
    await recordAudit(store, {
      actor: principal.userId, actorRole: principal.role, action: `alert.${body.action}`, subject: id.data,
      before, after, ipPrefix: requestIpPrefix(req),
    })
    return result
  } catch (err) {
    if (err instanceof AlertNotFound) throw new HttpError(404, 'alert not found')
    if (err instanceof TransitionError) throw new HttpError(409, err.message)
    throw err
  }
})
