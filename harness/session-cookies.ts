import type { Role } from '../lib/auth/roles'

/**
 * Session cookies for `<role>-user` local users, created (without a password)
 * in the app's store first: API routes accept a local session only while its
 * user exists and is enabled.
 */
export async function signedInCookies(roles: readonly Role[]): Promise<Partial<Record<Role, string>>> {
  const { issueSession, SESSION_COOKIE } = await import('../lib/auth/session')
  const { saveUser } = await import('../lib/auth/users')
  const { appStore } = await import('../lib/runtime/app-runtime')
  const store = await appStore()
  const cookies: Partial<Record<Role, string>> = {}
  for (const role of roles) {
    await saveUser(store, { userId: `${role}-user`, displayName: role, role })
    cookies[role] = `${SESSION_COOKIE}=${await issueSession({ userId: `${role}-user`, displayName: role, role, provider: 'local' })}`
  }
  return cookies
}
