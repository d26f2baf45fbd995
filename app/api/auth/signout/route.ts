import { audited, requestIpPrefix } from '@/lib/audit'
import { sameOriginRequest } from '@/lib/auth/public-route'
import { clearSessionCookie, getPrincipal } from '@/lib/auth/session'
import { revokeSession } from '@/lib/auth/session-live'
import { appStore } from '@/lib/runtime/app-runtime'

export const dynamic = 'force-dynamic'

/**
 * Not through route(): signing out must clear the cookie even when the
 * session is already dead (revoked, user disabled) or the store is down, or a
 * shared browser could not be signed out. A live session is also revoked on
 * the server, audited, so a copy of the cookie stops working too; if that
 * cannot be recorded, the cookie is still cleared and the answer says so.
 */
export async function POST(req: Request): Promise<Response> {
  const headers = { 'set-cookie': clearSessionCookie(req), 'cache-control': 'no-store' }
  if (!sameOriginRequest(req)) return Response.json({ error: 'cross-site request refused' }, { status: 403, headers: { 'cache-control': 'no-store' } })
  const principal = await getPrincipal(req)
  if (!principal?.session) return Response.json({ ok: true }, { headers })
  try {
    const store = await appStore()
    await audited(
      store,
      { actor: principal.userId, actorRole: principal.role, action: 'auth.signout', subject: principal.userId, ipPrefix: requestIpPrefix(req) },
      () => revokeSession(store, principal),
    )
    return Response.json({ ok: true }, { headers })
  } catch (err) {
    console.error(`[auth] sign-out of ${principal.userId}: the session could not be revoked on the server: ${err instanceof Error ? err.message : err}`)
    return Response.json({ error: 'signed out in this browser, but the session could not be ended on the server; try again' }, { status: 503, headers })
  }
}
