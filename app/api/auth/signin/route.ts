import { z } from 'zod'
import { recordAudit, requestIpPrefix, UNKNOWN_IP } from '@/lib/audit'
import { parseJsonBody, sameOriginRequest } from '@/lib/auth/public-route'
import { deviceCookie, issueDeviceToken, knownDevice } from '@/lib/auth/device-cookie'
import { signinHashGate } from '@/lib/auth/hash-gate'
import { issueSession, sessionCookie } from '@/lib/auth/session'
import { claimSigninAttempt, signinSucceeded, type SigninAttempt } from '@/lib/auth/signin-throttle'
import { auditableUserName } from '@/lib/auth/user-name'
import { authenticateLocal } from '@/lib/auth/users'
import { controls } from '@/lib/runtime/controls'

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
 * Abuse controls, cheapest first (docs/auth.md): per-name, per-address and
 * per-known-browser budgets, then a cap on concurrent password hashes.
 */
export async function POST(req: Request): Promise<Response> {
  if (!sameOriginRequest(req)) return Response.json({ error: 'cross-site request refused' }, { status: 403 })
  const parsed = await parseJsonBody(req, body)
  if (!parsed.ok) return parsed.response
  const { username, password } = parsed.data
  const ip = requestIpPrefix(req)
  // Only a real address prefix is a throttle key: a placeholder for "unknown"
  // would put every client in one bucket that anyone could fill.
  const attempt: SigninAttempt = { userName: username, ip: ip === UNKNOWN_IP ? null : ip, device: await knownDevice(req, username) }
  // Before the store and the hash: a throttled guess must cost us nothing.
  const verdict = claimSigninAttempt(attempt)
  if (!verdict.ok) return tooMany(verdict.retryAfterSeconds)
  const { store } = await controls()
  const checked = await signinHashGate().run(() => authenticateLocal(store, username, password))
  if (!checked.ok) {
    return Response.json(
      { error: 'sign-in is busy; try again in a few seconds' },
      { status: 503, headers: { 'retry-after': '5', 'cache-control': 'no-store' } },
    )
  }
  const principal = checked.value
  if (!principal) {
    const typed = auditableUserName(username)
    await recordAudit(store, { actor: typed, action: 'auth.signin_failed', subject: typed, ipPrefix: ip })
    return Response.json({ error: 'wrong user name or password' }, { status: 401 })
  }
  signinSucceeded(attempt)
  await recordAudit(store, {
    actor: principal.userId,
    actorRole: principal.role,
    action: 'auth.signin',
    subject: principal.userId,
    ipPrefix: ip,
    after: { provider: 'local' },
  })
  const headers = new Headers({ 'cache-control': 'no-store' })
  headers.append('set-cookie', sessionCookie(await issueSession(principal), req))
  // The same browser keeps its device id, so its own budget follows it.
  headers.append('set-cookie', deviceCookie(await issueDeviceToken(principal.userId, attempt.device ?? undefined), req))
  return Response.json({ user: { userId: principal.userId, displayName: principal.displayName, role: principal.role } }, { headers })
}
