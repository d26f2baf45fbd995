import type { Store } from '../clickhouse/client'
import { ROLES, type Principal, type Role } from './roles'

/**
 * A session token proves who signed in and until when, but not that the
 * session still stands. Before a request is served, its session is checked
 * against the store: not signed out (revoked_sessions), and for local users,
 * the account still exists and is enabled, with the role taken from the store,
 * so disabling a user or lowering a role takes effect at once rather than when
 * the token expires. OIDC users keep the role their identity provider gave at
 * sign-in until they sign in again.
 *
 * Answers are cached per session for two seconds, so a dashboard polling ten
 * endpoints costs the store one check, not ten. Sign-outs and user changes made
 * through this process clear the cache; another replica sees them within those
 * two seconds.
 */
const CACHE_MS = 2_000

const KEY = Symbol.for('burnrate.auth.liveSessions')
type G = typeof globalThis & { [KEY]?: Map<string, { at: number; principal: Principal | null }> }
const cache = () => ((globalThis as G)[KEY] ??= new Map())

interface UserRow { role: string; disabled: number | string }

async function check(store: Store, principal: Principal, sessionId: string): Promise<Principal | null> {
  const rs = await store.client.query({
    query: `SELECT count() AS n FROM ${store.database}.revoked_sessions WHERE session_id = {id:String}`,
    query_params: { id: sessionId },
    format: 'JSONEachRow',
  })
  if (Number((await rs.json<{ n: string | number }>())[0]?.n ?? 0) > 0) return null
  if (principal.provider !== 'local') return principal
  const users = await store.client.query({
    query: `SELECT role, disabled FROM ${store.database}.users FINAL WHERE user_id = {id:String} LIMIT 1`,
    query_params: { id: principal.userId },
    format: 'JSONEachRow',
  })
  const [user] = await users.json<UserRow>()
  if (!user || Number(user.disabled) === 1 || !ROLES.includes(user.role as Role)) return null
  return { ...principal, role: user.role as Role }
}

/** The principal as the store has it now, or null if its session ended. Gateway principals pass through. */
export async function livePrincipal(store: Store, principal: Principal): Promise<Principal | null> {
  const session = principal.session
  if (!session) return principal
  const now = Date.now()
  const entries = cache()
  const hit = entries.get(session.id)
  if (hit && now - hit.at < CACHE_MS) return hit.principal
  const live = await check(store, principal, session.id)
  if (entries.size > 10_000) for (const [id, e] of entries) if (now - e.at >= CACHE_MS) entries.delete(id)
  entries.set(session.id, { at: now, principal: live })
  return live
}

/** Ends a session before it expires (sign-out). */
export async function revokeSession(store: Store, principal: Principal): Promise<void> {
  const session = principal.session
  if (!session) return
  await store.client.insert({
    table: `${store.database}.revoked_sessions`,
    values: [{ session_id: session.id, user_id: principal.userId, revoked_at: Date.now(), expires_at: Math.ceil(session.expiresAtMs / 1000) }],
    format: 'JSONEachRow',
  })
  cache().set(session.id, { at: Date.now(), principal: null })
}

/** After a user is changed, every cached answer is re-checked on its next request. */
export function forgetLiveSessions(): void {
  cache().clear()
}
