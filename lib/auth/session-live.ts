import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { ROLES, type Principal, type Role } from './roles'
import { SESSION_TTL_SECONDS } from './session'

/**
 * A session token proves who signed in and until when, but not that the
 * session still stands. Before a request is served, its session is checked
 * against the store:
 *  - not signed out, and not issued before its user's sessions were all
 *    revoked (account disabled or password changed): revoked_sessions;
 *  - for local users, the account exists and is enabled, and its current role
 *    is the one used, so lowering a role takes effect at once. OIDC users keep
 *    the role their identity provider gave at sign-in until their (short,
 *    OIDC_SESSION_MINUTES) session ends and they sign in again, unless an
 *    admin disables them (oidc_user_state), which ends them at once.
 *
 * Answers are cached per session for two seconds, so a dashboard polling ten
 * endpoints costs the store one check, not ten. Sign-outs and user changes made
 * through this process invalidate the cache, including checks still in flight;
 * another replica sees them within those two seconds.
 */
const CACHE_MS = 2_000

const KEY = Symbol.for('burnrate.auth.liveSessions')
interface LiveCache {
  entries: Map<string, { at: number; principal: Principal | null }>
  generation: number
}
type G = typeof globalThis & { [KEY]?: LiveCache }
const cache = (): LiveCache => ((globalThis as G)[KEY] ??= { entries: new Map(), generation: 0 })

interface CheckRow {
  kind: 'revoked' | 'user' | 'oidc'
  n: string | number
  role: string
  disabled: number | string
}

/** One round trip: the session's revocations and, for local users, the account as it is now. */
async function check(store: Store, principal: Principal, session: NonNullable<Principal['session']>): Promise<Principal | null> {
  const rows = await selectRows<CheckRow>(
    store,
    `SELECT 'revoked' AS kind, count() AS n, '' AS role, toUInt8(0) AS disabled FROM ${store.database}.revoked_sessions
        WHERE user_id = {user:String}
          AND (session_id = {id:String} OR (session_id = '' AND revoked_at > fromUnixTimestamp64Milli({issued:Int64})))
      UNION ALL
      (SELECT 'user' AS kind, toUInt64(1) AS n, role, disabled FROM ${store.database}.users FINAL WHERE user_id = {user:String} LIMIT 1)
      UNION ALL
      (SELECT 'oidc' AS kind, toUInt64(1) AS n, '' AS role, disabled FROM ${store.database}.oidc_user_state FINAL WHERE user_id = {user:String} LIMIT 1)`,
    { user: principal.userId, id: session.id, issued: session.issuedAtMs },
  )
  if (Number(rows.find((r) => r.kind === 'revoked')?.n ?? 0) > 0) return null
  if (principal.provider !== 'local') return Number(rows.find((r) => r.kind === 'oidc')?.disabled ?? 0) === 1 ? null : principal
  const user = rows.find((r) => r.kind === 'user')
  if (!user || Number(user.disabled) === 1 || !ROLES.includes(user.role as Role)) return null
  return { ...principal, role: user.role as Role }
}

/** The principal as the store has it now, or null if its session ended. Gateway principals pass through. */
export async function livePrincipal(store: Store, principal: Principal): Promise<Principal | null> {
  const session = principal.session
  if (!session) return principal
  const c = cache()
  const now = Date.now()
  const hit = c.entries.get(session.id)
  if (hit && now - hit.at < CACHE_MS) return hit.principal
  const generation = c.generation
  const live = await check(store, principal, session)
  // A sign-out or user change that happened while this check read the store
  // must not be overwritten by what it read.
  if (c.generation === generation) {
    if (c.entries.size > 10_000) for (const [id, e] of c.entries) if (now - e.at >= CACHE_MS) c.entries.delete(id)
    c.entries.set(session.id, { at: now, principal: live })
  }
  return live
}

async function insertRevocation(store: Store, row: { sessionId: string; userId: string; expiresAtMs: number }): Promise<void> {
  await store.client.insert({
    table: `${store.database}.revoked_sessions`,
    values: [{ session_id: row.sessionId, user_id: row.userId, revoked_at: Date.now(), expires_at: Math.ceil(row.expiresAtMs / 1000) }],
    format: 'JSONEachRow',
  })
  // Checks that read the store before the insert either finished already
  // (their answers are dropped here) or finish later under an old generation.
  forgetLiveSessions()
}

/** Ends one session before it expires (sign-out). */
export async function revokeSession(store: Store, principal: Principal): Promise<void> {
  if (!principal.session) return
  await insertRevocation(store, { sessionId: principal.session.id, userId: principal.userId, expiresAtMs: principal.session.expiresAtMs })
}

/** Ends every session of a user issued until now (account disabled, password changed). */
export async function revokeUserSessions(store: Store, userId: string): Promise<void> {
  await insertRevocation(store, { sessionId: '', userId, expiresAtMs: Date.now() + SESSION_TTL_SECONDS * 1000 })
}

/** After a user is changed, every cached answer is re-checked on its next request. */
export function forgetLiveSessions(): void {
  const c = cache()
  c.generation++
  c.entries.clear()
}
