'use client'
import { useQuery } from '@tanstack/react-query'
import type { MeResponse } from '@/lib/auth/me-types'
import { hasRole, type Role } from '@/lib/auth/roles'
import { ApiError, fetchJson, retryServerErrors } from './api'

const ME_URL = '/api/auth/me'

/**
 * The signed-in user, for hiding controls the server would refuse. Not
 * through useApiQuery: the user does not depend on the range and must not be
 * refetched on the live interval. The server checks every request against
 * the user's current role; this only avoids offering a button that can only
 * fail, and may show a changed role up to five minutes late.
 */
export function useMe() {
  const q = useQuery<MeResponse, ApiError>({
    queryKey: ['api', ME_URL],
    queryFn: ({ signal }) => fetchJson<MeResponse>(ME_URL, { signal }),
    staleTime: 5 * 60_000,
    retry: retryServerErrors,
  })
  const role = q.data?.user.role
  return {
    user: q.data?.user,
    role,
    isPending: q.isPending,
    error: q.error,
    /** True once the user is known to have `required`; false while loading or on error. */
    can: (required: Role) => (role ? hasRole(role, required) : false),
  }
}
