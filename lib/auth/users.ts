import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { settings } from '../config'
import { DUMMY_HASH, generatePassword, hashPassword, verifyPassword } from './passwords'
import { ROLES, type Principal, type Role } from './roles'
import { forgetLiveSessions, revokeUserSessions } from './session-live'

export interface LocalUser {
  userId: string
  displayName: string
  role: Role
  disabled: boolean
}

/** GET /api/auth/users */
export interface UsersResponse {
  users: LocalUser[]
}
/** POST /api/auth/users: create or update; without a password an existing user keeps theirs. */
export interface SaveUserRequest {
  userId: string
  displayName?: string
  role: Role
  password?: string
  disabled?: boolean
}
export interface SaveUserResponse {
  user: LocalUser
}

interface Row {
  user_id: string
  display_name: string
  role: string
  password_hash: string
  disabled: number
}

async function findRow(store: Store, userId: string): Promise<Row | null> {
  const [row] = await selectRows<Row>(
    store,
    `SELECT user_id, display_name, role, password_hash, disabled FROM ${store.database}.users FINAL
      WHERE user_id = {id:String} LIMIT 1`,
    { id: userId },
  )
  return row ?? null
}

export async function listUsers(store: Store): Promise<LocalUser[]> {
  return (await selectRows<Row>(store, `SELECT user_id, display_name, role, disabled FROM ${store.database}.users FINAL ORDER BY user_id`)).map((r) => ({
    userId: r.user_id,
    displayName: r.display_name,
    role: r.role as Role,
    disabled: Number(r.disabled) === 1,
  }))
}

/**
 * Whether saving `change` would leave no enabled local admin: nobody could
 * then manage users or rotate keys without shell access to the server.
 */
export function leavesNoAdmin(users: LocalUser[], change: { userId: string; role: Role; disabled?: boolean }): boolean {
  const after = users.map((u) => (u.userId === change.userId ? { ...u, role: change.role, disabled: change.disabled ?? u.disabled } : u))
  const hadAdmin = users.some((u) => u.role === 'admin' && !u.disabled)
  return hadAdmin && !after.some((u) => u.role === 'admin' && !u.disabled)
}

/** Creates or replaces a user; without a password the stored hash is kept. */
export async function saveUser(store: Store, user: SaveUserRequest): Promise<LocalUser> {
  if (!ROLES.includes(user.role)) throw new Error(`unknown role ${user.role}`)
  const existing = await findRow(store, user.userId)
  const hash = user.password ? await hashPassword(user.password) : (existing?.password_hash ?? '')
  // An update that leaves `disabled` out (say, a role change) must not re-enable the account.
  const disabled = user.disabled ?? (existing ? Number(existing.disabled) === 1 : false)
  const saved = { userId: user.userId, displayName: user.displayName ?? existing?.display_name ?? user.userId, role: user.role, disabled }
  // Disabling an account or changing its password ends its sessions for good:
  // re-enabling it later must not bring back a cookie someone else holds.
  // Revoked first, so a failure leaves the account as it was.
  if (existing && (disabled || user.password)) await revokeUserSessions(store, user.userId)
  await store.client.insert({
    table: `${store.database}.users`,
    values: [
      {
        user_id: saved.userId,
        display_name: saved.displayName,
        role: saved.role,
        password_hash: hash,
        disabled: saved.disabled ? 1 : 0,
        updated_at: Date.now(),
      },
    ],
    format: 'JSONEachRow',
  })
  // A disabled user or a lowered role must not ride on a cached "still valid".
  forgetLiveSessions()
  return saved
}

/** The principal for a correct user name and password, else null (same answer for unknown users). */
export async function authenticateLocal(store: Store, userId: string, password: string): Promise<Principal | null> {
  const row = await findRow(store, userId)
  // Hash anyway for unknown users so response time does not reveal which names exist.
  const ok = await verifyPassword(password, row?.password_hash || DUMMY_HASH)
  if (!row || !ok || Number(row.disabled) === 1 || !ROLES.includes(row.role as Role)) return null
  return { userId: row.user_id, displayName: row.display_name, role: row.role as Role, provider: 'local' }
}

const BOOT_KEY = Symbol.for('burnrate.auth.bootstrap')
type G = typeof globalThis & { [BOOT_KEY]?: Map<string, Promise<void>> }

/**
 * First start: creates the local `admin` with BURNRATE_ADMIN_PASSWORD, or a
 * generated password printed once to the server log. Only the hash is stored;
 * later starts find the user and print nothing.
 */
export function ensureAdmin(
  store: Store,
  log: (line: string) => void = console.log,
  envPassword = settings(['BURNRATE_ADMIN_PASSWORD']).BURNRATE_ADMIN_PASSWORD,
): Promise<void> {
  const g = globalThis as G
  const key = `${store.database}@${store.location}`
  const run = async () => {
    if (await findRow(store, 'admin')) return
    const password = envPassword || generatePassword()
    await saveUser(store, { userId: 'admin', displayName: 'Administrator', role: 'admin', password })
    if (envPassword) log('[auth] created local user "admin" with the password from BURNRATE_ADMIN_PASSWORD')
    else log(`[auth] created local user "admin"; initial password (shown once, store it now): ${password}`)
  }
  // One bootstrap per store per process: concurrent first requests must not create two admins.
  const all = (g[BOOT_KEY] ??= new Map())
  if (!all.has(key))
    all.set(
      key,
      run().catch((err) => {
        all.delete(key)
        throw err
      }),
    )
  return all.get(key)!
}
