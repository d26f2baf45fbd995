import type { Principal } from './roles'

/**
 * GET /api/auth/me: who is signed in. Declared here, apart from the route, so
 * client hooks can import it without pulling server code into the bundle.
 */
export interface MeResponse {
  user: Pick<Principal, 'userId' | 'displayName' | 'role' | 'provider'>
}
