import { recordAudit, requestIpPrefix } from '@/lib/audit'
import { clearSessionCookie } from '@/lib/auth/session'
import { route } from '@/lib/http/route'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

export const POST = route({ role: 'viewer' }, async ({ req, principal }) => {
  const { store } = await controls()
  await recordAudit(store, { actor: principal.userId, actorRole: principal.role, action: 'auth.signout', subject: principal.userId, ipPrefix: requestIpPrefix(req) })
  return Response.json({ ok: true }, { headers: { 'set-cookie': clearSessionCookie(req), 'cache-control': 'no-store' } })
})
