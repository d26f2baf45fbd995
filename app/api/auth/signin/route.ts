import { z } from 'zod'
import { recordAudit, requestIpPrefix, UNKNOWN_IP } from '@/lib/audit'
import { parseJsonBody, sameOriginRequest } from '@/lib/auth/public-route'
import { issueSession, sessionCookie } from '@/lib/auth/session'
import { claimSigninAttempt, signinSucceeded } from '@/lib/auth/signin-throttle'
import { auditableUserName } from '@/lib/auth/user-name'
import { authenticateLocal } from '@/lib/auth/users'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

const body = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) })

function tooMany(retryAfterSeconds: number): Response {
  const minutes = Math.ceil(retryAfterSeconds / 60)
  return Response.json(
    { error: `too many sign-in attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`, retryAfterSeconds },
    { status: 429, headers: { 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store' } },
  )
}

/**
 * Local sign-in (public: nobody has a session yet, so it cannot use route()).
 * Same-origin only, which also stops login CSRF. Failures are audited too.
 */
export async function POST(req: Request): Promise<Response> {
  if (!sameOriginRequest(req)) return Response.json({ error: 'cross-site request refused' }, { status: 403 })
  const parsed = await parseJsonBody(req, body)
  if (!parsed.ok) return parsed.response
  const { username, password } = parsed.data
  const ip = requestIpPrefix(req)
  // Only a real address prefix is a throttle key: a placeholder for "unknown"
  // would put every client in one bucket that anyone could fill.
  const throttleIp = ip === UNKNOWN_IP ? null : ip
  // Before the store and the hash: a throttled guess must cost us nothing.
  const verdict = claimSigninAttempt(username, throttleIp)
  if (!verdict.ok) return tooMany(verdict.retryAfterSeconds)
  const { store } = await controls()
  const principal = await authenticateLocal(store, username, password)
  if (!principal) {
    const typed = auditableUserName(username)
    await recordAudit(store, { actor: typed, action: 'auth.signin_failed', subject: typed, ipPrefix: ip })
    return Response.json({ error: 'wrong user name or password' }, { status: 401 })
  }
  signinSucceeded(username, throttleIp)
  await recordAudit(store, { actor: principal.userId, actorRole: principal.role, action: 'auth.signin', subject: principal.userId, ipPrefix: ip, after: { provider: 'local' } })
  const token = await issueSession(principal)
  return Response.json(
    { user: { userId: principal.userId, displayName: principal.displayName, role: principal.role } },
    { headers: { 'set-cookie': sessionCookie(token, req), 'cache-control': 'no-store' } },
  )
}
