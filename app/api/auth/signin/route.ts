import { z } from 'zod'
import { recordAudit, requestIpPrefix } from '@/lib/audit'
import { parseJsonBody, sameOriginRequest } from '@/lib/auth/public-route'
import { issueSession, sessionCookie } from '@/lib/auth/session'
import { authenticateLocal } from '@/lib/auth/users'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

const body = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) })

/**
 * Local sign-in (public: nobody has a session yet, so it cannot use route()).
 * Same-origin only, which also stops login CSRF. Failures are audited too.
 */
export async function POST(req: Request): Promise<Response> {
  if (!sameOriginRequest(req)) return Response.json({ error: 'cross-site request refused' }, { status: 403 })
  const parsed = await parseJsonBody(req, body)
  if (!parsed.ok) return parsed.response
  const { store } = await controls()
  const ip = requestIpPrefix(req)
  const principal = await authenticateLocal(store, parsed.data.username, parsed.data.password)
  if (!principal) {
    await recordAudit(store, { actor: parsed.data.username, action: 'auth.signin_failed', subject: parsed.data.username, ipPrefix: ip })
    return Response.json({ error: 'wrong user name or password' }, { status: 401 })
  }
  await recordAudit(store, { actor: principal.userId, actorRole: principal.role, action: 'auth.signin', subject: principal.userId, ipPrefix: ip, after: { provider: 'local' } })
  const token = await issueSession(principal)
  return Response.json(
    { user: { userId: principal.userId, displayName: principal.displayName, role: principal.role } },
    { headers: { 'set-cookie': sessionCookie(token, req), 'cache-control': 'no-store' } },
  )
}
