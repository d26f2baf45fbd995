import { jwtVerify, SignJWT } from 'jose'
import { settings } from '../config'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gatewayPrincipal } from './gateway-tokens'
import { ROLES, type Principal, type Role } from './roles'

export const SESSION_COOKIE = 'br_session'
export const SESSION_TTL_SECONDS = 8 * 3600

let cachedSecret: Uint8Array | undefined

/**
 * HMAC key for session cookies: SESSION_SECRET when set (server mode, shared
 * by every app replica), else a random key kept in DATA_DIR with mode 0600.
 */
export function sessionSecret(): Uint8Array {
  if (cachedSecret) return cachedSecret
  const { SESSION_SECRET: fromEnv, DATA_DIR } = settings(['SESSION_SECRET', 'DATA_DIR'])
  if (fromEnv) {
    cachedSecret = new TextEncoder().encode(fromEnv)
    return cachedSecret
  }
  const dir = resolve(DATA_DIR)
  const file = join(dir, '.session-secret')
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' })
  }
  cachedSecret = new TextEncoder().encode(readFileSync(file, 'utf8').trim())
  return cachedSecret
}

/** A signed session token; its id (jti) is what sign-out revokes. */
export async function issueSession(p: Principal, ttlSeconds = SESSION_TTL_SECONDS): Promise<string> {
  // iat has whole seconds; a revocation is compared with the issue time in ms,
  // so a session made in the same second after a password reset stays valid.
  return new SignJWT({ name: p.displayName, role: p.role, provider: p.provider, iat_ms: Date.now() })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(p.userId)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlSeconds, SESSION_TTL_SECONDS)}s`)
    .sign(sessionSecret())
}

/**
 * The principal a session token was issued to, if its signature and expiry
 * hold. This alone does not know about sign-outs or disabled users: API
 * routes also ask livePrincipal (session-live.ts), which does.
 */
export async function verifySession(token: string): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, sessionSecret(), { algorithms: ['HS256'] })
    const role = payload.role as Role
    // Tokens without an id cannot be revoked, so they are not accepted.
    if (!payload.sub || !payload.jti || !payload.exp || typeof payload.iat_ms !== 'number' || !ROLES.includes(role)) return null
    return {
      userId: payload.sub,
      displayName: String(payload.name ?? payload.sub),
      role,
      provider: String(payload.provider ?? 'local'),
      session: { id: payload.jti, issuedAtMs: payload.iat_ms, expiresAtMs: payload.exp * 1000 },
    }
  } catch {
    return null
  }
}

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k !== name) continue
    // A malformed escape (`br_session=%`) is a cookie we cannot read: no session, not a 500.
    try {
      return decodeURIComponent(v.join('='))
    } catch {
      return null
    }
  }
  return null
}

/** The signed-in user of a request (session cookie), or a gateway with a token on a gateway path, or null. */
export async function getPrincipal(req: Request): Promise<Principal | null> {
  const token = readCookie(req.headers.get('cookie'), SESSION_COOKIE)
  if (token) return verifySession(token)
  return gatewayPrincipal(req)
}

export { readCookie }

/**
 * Secure unless told otherwise: browsers accept Secure cookies on https and on
 * localhost, so only plain http to another host (a LAN demo) goes without.
 */
export function cookieSecure(req: Request, setting = settings(['AUTH_COOKIE_SECURE']).AUTH_COOKIE_SECURE): boolean {
  if (setting === '1') return true
  if (setting === '0') return false
  const proto = req.headers.get('x-forwarded-proto') ?? new URL(req.url).protocol.replace(':', '')
  const host = (req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? '').split(':')[0]
  return proto === 'https' || host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
}

/** Set-Cookie value for a session: httpOnly (no script access), SameSite=Lax (no cross-site POSTs). */
export function sessionCookie(token: string, req: Request, maxAge = SESSION_TTL_SECONDS): string {
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAge}`]
  if (cookieSecure(req)) parts.push('Secure')
  return parts.join('; ')
}

export function clearSessionCookie(req: Request): string {
  return sessionCookie('', req, 0)
}
