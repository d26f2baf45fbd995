/** viewer: finance, read-only. responder: on-call. admin: security ops. */
export const ROLES = ['viewer', 'responder', 'admin'] as const
export type Role = (typeof ROLES)[number]

const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 }

export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required]
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
