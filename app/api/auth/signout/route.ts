import { audited, requestIpPrefix } from '@/lib/audit'
import { clearSessionCookie } from '@/lib/auth/session'
import { revokeSession } from '@/lib/auth/session-live'
import { route } from '@/lib/http/route'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

export const POST = route({ role: 'viewer' }, async ({ req, principal }) => {
  const { store } = await controls()
  // The token itself stays valid until it expires; revoking its id ends it now,
  // also for any copy of the cookie.
  await audited(store, { actor: principal.userId, actorRole: principal.role, action: 'auth.signout', subject: principal.userId, ipPrefix: requestIpPrefix(req) },
    () => revokeSession(store, principal))
  return Response.json({ ok: true }, { headers: { 'set-cookie': clearSessionCookie(req), 'cache-control': 'no-store' } })
})
