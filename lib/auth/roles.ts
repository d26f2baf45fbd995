/**
 * viewer: read-only. finance: a viewer who may also edit budgets (and export),
 * but not act on alerts or policy. responder: on-call. admin: security ops, everything.
 */
export const ROLES = ['viewer', 'finance', 'responder', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Roles are not a ladder: finance and responder each add their own rights to viewer's; admin has both. */
const GRANTS: Record<Role, readonly Role[]> = {
  viewer: ['viewer'],
  finance: ['viewer', 'finance'],
  responder: ['viewer', 'responder'],
  admin: ['viewer', 'finance', 'responder', 'admin'],
}

export function hasRole(actual: Role, required: Role): boolean {
  return GRANTS[actual]?.includes(required) ?? false
}

export interface Principal {
  /** Stable user id: local user name or OIDC subject. */
  userId: string
  displayName: string
  role: Role
  /** How the user signed in: 'local' or the OIDC issuer. */
  provider: string
  /** The dashboard session this request came with (absent for gateway tokens). */
  session?: { id: string; issuedAtMs: number; expiresAtMs: number }
}
