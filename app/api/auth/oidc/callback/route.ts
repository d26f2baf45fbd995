import { recordAudit, requestIpPrefix } from '@/lib/audit'
import { finishLogin, OIDC_FLOW_COOKIE, oidcSettings } from '@/lib/auth/oidc'
import { isOidcUserDisabled } from '@/lib/auth/oidc-users'
import { issueSession, readCookie, sessionCookie } from '@/lib/auth/session'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

/** Public: the provider redirects here with code and state; we check both, then issue our own session. */
export async function GET(req: Request): Promise<Response> {
  const s = oidcSettings()
  if (!s) return Response.json({ error: 'OIDC is not configured' }, { status: 404 })
  const url = new URL(req.url)
  const code = url.searchParams.get('code')
  const state = url.searchParams.get('state')
  const flow = readCookie(req.headers.get('cookie'), OIDC_FLOW_COOKIE)
  const clearFlow = `${OIDC_FLOW_COOKIE}=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`
  const fail = (why: string) => new Response(null, { status: 302, headers: { location: `/signin?error=${encodeURIComponent(why)}`, 'set-cookie': clearFlow } })
  if (!code || !state || !flow) return fail('sign-in expired, try again')
  const { store } = await controls()
  try {
    const { principal, next } = await finishLogin(s, flow, code, state)
    if (!principal) {
      await recordAudit(store, { actor: 'oidc', action: 'auth.signin_failed', subject: 'no role for this user', ipPrefix: requestIpPrefix(req) })
      return fail('your account has no Burnrate role')
    }
    if (await isOidcUserDisabled(store, principal.userId)) {
      await recordAudit(store, { actor: principal.userId, action: 'auth.signin_failed', subject: 'disabled in Burnrate', ipPrefix: requestIpPrefix(req) })
      return fail('your account is disabled in Burnrate')
    }
    await recordAudit(store, {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'auth.signin',
      subject: principal.userId,
      ipPrefix: requestIpPrefix(req),
      after: { provider: principal.provider },
    })
    const headers = new Headers({ location: next, 'cache-control': 'no-store' })
    headers.append('set-cookie', sessionCookie(await issueSession(principal, s.sessionSeconds), req, s.sessionSeconds))
    headers.append('set-cookie', clearFlow)
    return new Response(null, { status: 302, headers })
  } catch (err) {
    console.error(`[auth] OIDC callback failed: ${(err as Error).message}`)
    return fail('sign-in failed')
  }
}
