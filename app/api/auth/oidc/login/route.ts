import { beginLogin, OIDC_FLOW_COOKIE, oidcSettings } from '@/lib/auth/oidc'
import { safeNext } from '@/lib/auth/safe-next'
import { cookieSecure } from '@/lib/auth/session'

export const dynamic = 'force-dynamic'

/** Public: starts the OIDC authorization-code + PKCE flow (a GET, so no CSRF surface). */
export async function GET(req: Request): Promise<Response> {
  const s = oidcSettings()
  if (!s) return Response.json({ error: 'OIDC is not configured' }, { status: 404 })
  const url = new URL(req.url)
  const redirectUri = s.callbackUrl
  if (!redirectUri) {
    console.error('[auth] OIDC sign-in refused: set OIDC_REDIRECT_URL or PUBLIC_URL (the callback is never built from the Host header)')
    return Response.json({ error: 'OIDC is misconfigured: OIDC_REDIRECT_URL or PUBLIC_URL must be set' }, { status: 503 })
  }
  try {
    const flow = await beginLogin(s, redirectUri, safeNext(url.searchParams.get('next')))
    const cookie = [`${OIDC_FLOW_COOKIE}=${flow.flowToken}`, 'Path=/api/auth/oidc', 'HttpOnly', 'SameSite=Lax', 'Max-Age=600']
    if (cookieSecure(req)) cookie.push('Secure')
    return new Response(null, { status: 302, headers: { location: flow.url, 'set-cookie': cookie.join('; '), 'cache-control': 'no-store' } })
  } catch (err) {
    console.error(`[auth] OIDC login failed: ${(err as Error).message}`)
    return Response.json({ error: 'identity provider unreachable' }, { status: 502 })
  }
}
