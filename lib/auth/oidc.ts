import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { settings } from '../config'
import { createHash, randomBytes } from 'node:crypto'
import { safeNext } from './safe-next'
import { sessionSecret } from './session'
import type { Principal, Role } from './roles'

/**
 * OpenID Connect sign-in (authorization code + PKCE), for production. Any
 * standard provider works: endpoints come from discovery, id_tokens are
 * checked against the provider's published keys. Roles come from a claim.
 */
export interface OidcSettings {
  issuer: string
  clientId: string
  clientSecret?: string
  redirectUrl?: string
  scopes: string
  roleClaim: string
  adminGroups: string[]
  responderGroups: string[]
  viewerGroups: string[]
  defaultRole: 'none' | 'viewer'
  /** Where the provider sends users back: OIDC_REDIRECT_URL, else derived from PUBLIC_URL, else null (OIDC refused). */
  callbackUrl: string | null
  /**
   * Session lifetime: the role comes from the provider's claims, so a role
   * lowered or an account removed there takes effect at the next sign-in,
   * at most this long after.
   */
  sessionSeconds: number
}

const OIDC_KEYS = [
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_REDIRECT_URL',
  'OIDC_SCOPES',
  'OIDC_ROLE_CLAIM',
  'OIDC_ADMIN_GROUPS',
  'OIDC_RESPONDER_GROUPS',
  'OIDC_VIEWER_GROUPS',
  'OIDC_DEFAULT_ROLE',
  'OIDC_SESSION_MINUTES',
  'PUBLIC_URL',
] as const

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

export function oidcSettings(source: Record<string, string | undefined> = process.env): OidcSettings | null {
  const env = settings(OIDC_KEYS, source)
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID) return null
  return {
    issuer: env.OIDC_ISSUER.replace(/\/$/, ''),
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET || undefined,
    redirectUrl: env.OIDC_REDIRECT_URL || undefined,
    scopes: env.OIDC_SCOPES,
    roleClaim: env.OIDC_ROLE_CLAIM,
    adminGroups: list(env.OIDC_ADMIN_GROUPS),
    responderGroups: list(env.OIDC_RESPONDER_GROUPS),
    viewerGroups: list(env.OIDC_VIEWER_GROUPS),
    defaultRole: env.OIDC_DEFAULT_ROLE,
    // Never from the request's Host header: a forged Host would make us send
    // the provider, and with it the user's code, to another origin.
    callbackUrl: env.OIDC_REDIRECT_URL || (env.PUBLIC_URL ? new URL('/api/auth/oidc/callback', env.PUBLIC_URL).toString() : null),
    sessionSeconds: 60 * env.OIDC_SESSION_MINUTES,
  }
}

interface Discovery {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  jwks_uri: string
}
const discoveries = new Map<string, Promise<Discovery>>()
const keySets = new Map<string, JWTVerifyGetKey>()

export function discover(issuer: string): Promise<Discovery> {
  if (!discoveries.has(issuer)) {
    const p = fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) }).then(async (r) => {
      if (!r.ok) throw new Error(`OIDC discovery failed: HTTP ${r.status}`)
      const d = (await r.json()) as Discovery
      // A discovery document for another issuer would let that issuer sign our users in.
      if (d.issuer.replace(/\/$/, '') !== issuer) throw new Error('OIDC discovery issuer mismatch')
      return d
    })
    p.catch(() => discoveries.delete(issuer))
    discoveries.set(issuer, p)
  }
  return discoveries.get(issuer)!
}

/** Highest role any of the user's claim values grants, or null when none does and the default is none. */
export function roleFromClaims(claims: JWTPayload, s: OidcSettings): Role | null {
  const raw = claims[s.roleClaim]
  const values = new Set(Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[ ,]+/) : [])
  if (s.adminGroups.some((g) => values.has(g))) return 'admin'
  if (s.responderGroups.some((g) => values.has(g))) return 'responder'
  if (s.viewerGroups.some((g) => values.has(g))) return 'viewer'
  return s.defaultRole === 'viewer' ? 'viewer' : null
}

/** Checks signature, issuer, audience, expiry and nonce of an id_token; returns its claims. */
export async function validateIdToken(
  idToken: string,
  s: Pick<OidcSettings, 'issuer' | 'clientId'>,
  keys: JWTVerifyGetKey,
  nonce: string,
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(idToken, keys, {
    issuer: s.issuer,
    audience: s.clientId,
    algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
    clockTolerance: 30,
  })
  if (payload.nonce !== nonce) throw new Error('id_token nonce mismatch')
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== s.clientId) throw new Error('id_token azp mismatch')
  if (!payload.sub) throw new Error('id_token has no subject')
  return payload
}

export function principalFromClaims(claims: JWTPayload, s: OidcSettings): Principal | null {
  const role = roleFromClaims(claims, s)
  if (!role || !claims.sub) return null
  const name = String(claims.email ?? claims.preferred_username ?? claims.name ?? claims.sub)
  return { userId: `${s.issuer}#${claims.sub}`, displayName: name, role, provider: s.issuer }
}

// Re-exported so existing callers keep one import; the rule itself lives in the pure module.
export { safeNext }

export const OIDC_FLOW_COOKIE = 'br_oidc'
const b64 = (b: Buffer) => b.toString('base64url')

/** Start of the flow: the state, nonce and PKCE verifier ride in a short-lived signed httpOnly cookie. */
export async function beginLogin(s: OidcSettings, redirectUri: string, next: string): Promise<{ url: string; flowToken: string }> {
  const d = await discover(s.issuer)
  const state = b64(randomBytes(16))
  const nonce = b64(randomBytes(16))
  const verifier = b64(randomBytes(32))
  const challenge = b64(createHash('sha256').update(verifier).digest())
  const url = new URL(d.authorization_endpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: s.clientId,
    redirect_uri: redirectUri,
    scope: s.scopes,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  const flowToken = await new SignJWT({ state, nonce, verifier, next, redirectUri })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(sessionSecret())
  return { url: url.toString(), flowToken }
}

/** End of the flow: state check, code exchange, id_token validation, role mapping. */
export async function finishLogin(s: OidcSettings, flowToken: string, code: string, state: string): Promise<{ principal: Principal | null; next: string }> {
  const { payload: flow } = await jwtVerify(flowToken, sessionSecret(), { algorithms: ['HS256'] })
  if (flow.state !== state) throw new Error('OIDC state mismatch')
  const d = await discover(s.issuer)
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: String(flow.redirectUri),
    code_verifier: String(flow.verifier),
    client_id: s.clientId,
  })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (s.clientSecret)
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`).toString('base64')}`
  const r = await fetch(d.token_endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
  if (!r.ok) throw new Error(`OIDC token exchange failed: HTTP ${r.status}`)
  const tokens = (await r.json()) as { id_token?: string }
  if (!tokens.id_token) throw new Error('OIDC token response has no id_token')
  if (!keySets.has(d.jwks_uri)) keySets.set(d.jwks_uri, createRemoteJWKSet(new URL(d.jwks_uri)))
  const claims = await validateIdToken(tokens.id_token, s, keySets.get(d.jwks_uri)!, String(flow.nonce))
  return { principal: principalFromClaims(claims, s), next: safeNext(String(flow.next ?? '/')) }
}
