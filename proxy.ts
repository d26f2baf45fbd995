import { NextResponse, type NextRequest } from 'next/server'
import { SESSION_COOKIE, verifySession } from './lib/auth/session'

/**
 * Pages need a session: without a valid one, redirect to /signin and come
 * back afterwards. API routes are not matched: route() answers 401/403 itself,
 * which is what fetch() callers and gateways need. (Next 16 names this file
 * proxy.ts; it runs in the Node runtime, so the session check is the real one.)
 */
export async function proxy(req: NextRequest) {
  const token = req.cookies.get(SESSION_COOKIE)?.value
  if (token && (await verifySession(token))) return NextResponse.next()
  const url = req.nextUrl.clone()
  url.pathname = '/signin'
  url.search = ''
  const next = req.nextUrl.pathname + req.nextUrl.search
  if (next !== '/') url.searchParams.set('next', next)
  return NextResponse.redirect(url)
}

export const config = {
  matcher: ['/((?!api/|_next/|signin|favicon\\.ico|robots\\.txt|.*\\.(?:png|svg|ico|css|js|map|txt|woff2?)$).*)'],
}
