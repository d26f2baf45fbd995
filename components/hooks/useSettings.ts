'use client'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { OidcUserState, OidcUsersResponse } from '@/lib/auth/oidc-users'
import type { SaveUserRequest, SaveUserResponse, UsersResponse } from '@/lib/auth/users'
import type { KeyRingView, RotateKeyResponse } from '@/lib/policy/keys'
import { postJson, useApiQuery, type ApiError } from './api'

/*
 * Admin settings: local users and the policy signing keys. Both change only
 * through admins, so they poll slowly; our own writes invalidate at once,
 * along with the audit log that records them.
 */
const SETTINGS_MS = 30_000
const USERS_URL = '/api/auth/users'
const KEYS_URL = '/api/policy/keys'
const OIDC_USERS_URL = '/api/auth/oidc-users'

const isKey = (key: readonly unknown[], ...prefixes: string[]) => key[0] === 'api' && prefixes.some((p) => String(key[1] ?? '').startsWith(p))

/** GET /api/auth/users (admins). */
export function useUsers(enabled = true) {
  return useApiQuery<UsersResponse>(USERS_URL, {}, { withRange: false, liveMs: SETTINGS_MS, stopOnDenied: true, enabled })
}

/** POST /api/auth/users: create or update a local user. */
export function useSaveUser() {
  const client = useQueryClient()
  return useMutation<SaveUserResponse, ApiError, SaveUserRequest>({
    mutationFn: (req) => postJson<SaveUserResponse>(USERS_URL, req),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => isKey(q.queryKey, USERS_URL, '/api/audit') }),
  })
}

/** GET /api/policy/keys (admins). */
export function useKeyRing(enabled = true) {
  return useApiQuery<KeyRingView>(KEYS_URL, {}, { withRange: false, liveMs: SETTINGS_MS, stopOnDenied: true, enabled })
}

/** POST /api/policy/keys/rotate: a new signing key; the old one verifies for the grace period. */
export function useRotateKey() {
  const client = useQueryClient()
  return useMutation<RotateKeyResponse, ApiError, void>({
    mutationFn: () => postJson<RotateKeyResponse>(`${KEYS_URL}/rotate`),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => isKey(q.queryKey, KEYS_URL, '/api/policy/jwks', '/api/audit') }),
  })
}

/** GET /api/auth/oidc-users (admins): OIDC users with a Burnrate-side state. */
export function useOidcUsers(enabled = true) {
  return useApiQuery<OidcUsersResponse>(OIDC_USERS_URL, {}, { withRange: false, liveMs: SETTINGS_MS, stopOnDenied: true, enabled })
}

/** POST /api/auth/oidc-users: disable an OIDC user (their sessions end at once) or let them back in. */
export function useSetOidcUser() {
  const client = useQueryClient()
  return useMutation<{ user: OidcUserState }, ApiError, OidcUserState>({
    mutationFn: (req) => postJson<{ user: OidcUserState }>(OIDC_USERS_URL, req),
    onSuccess: () => client.invalidateQueries({ predicate: (q) => isKey(q.queryKey, OIDC_USERS_URL, '/api/audit') }),
  })
}
