import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { forgetLiveSessions, revokeUserSessions } from './session-live'

/** OIDC user ids are `<issuer>#<sub>` (principalFromClaims). */
export const OIDC_USER_ID_MAX = 512

/** An OIDC user with a Burnrate-side state (GET /api/auth/oidc-users). */
export interface OidcUserState {
  userId: string
  disabled: boolean
}
export interface OidcUsersResponse {
  users: OidcUserState[]
}

export async function isOidcUserDisabled(store: Store, userId: string): Promise<boolean> {
  const [row] = await selectRows<{ disabled: number | string }>(
    store,
    `SELECT disabled FROM ${store.database}.oidc_user_state FINAL WHERE user_id = {user:String} LIMIT 1`,
    { user: userId },
  )
  return Number(row?.disabled ?? 0) === 1
}

/**
 * Disables (or re-enables) an OIDC user. Disabling also ends every session the
 * user holds, revoked first so a failure leaves the user as they were.
 */
export async function setOidcUserDisabled(store: Store, userId: string, disabled: boolean): Promise<void> {
  if (disabled) await revokeUserSessions(store, userId)
  await store.client.insert({
    table: `${store.database}.oidc_user_state`,
    values: [{ user_id: userId, disabled: disabled ? 1 : 0, updated_at: Date.now() }],
    format: 'JSONEachRow',
  })
  forgetLiveSessions()
}

export async function listOidcUserStates(store: Store): Promise<OidcUserState[]> {
  return (
    await selectRows<{ user_id: string; disabled: number | string }>(
      store,
      `SELECT user_id, disabled FROM ${store.database}.oidc_user_state FINAL ORDER BY user_id`,
    )
  ).map((r) => ({ userId: r.user_id, disabled: Number(r.disabled) === 1 }))
}
