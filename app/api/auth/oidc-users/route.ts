import { z } from 'zod'
import { audited, requestIpPrefix } from '@/lib/audit'
import { listOidcUserStates, OIDC_USER_ID_MAX, setOidcUserDisabled } from '@/lib/auth/oidc-users'
import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

/** Admins: OIDC users with a Burnrate-side state (disabled or re-enabled). */
export const GET = route({ role: 'admin' }, async () => {
  const { store } = await controls()
  return { users: await listOidcUserStates(store) }
})

const body = z.object({
  /** `<issuer>#<sub>`, as the audit log and /api/auth/me show it. */
  userId: z
    .string()
    .min(3)
    .max(OIDC_USER_ID_MAX)
    .regex(/^\S+#\S+$/),
  disabled: z.boolean(),
})

/**
 * Admins: keep an OIDC user out of Burnrate (or let them back in) without
 * waiting for the identity provider: their sessions end at once and the
 * callback refuses them.
 */
export const POST = route({ role: 'admin', body }, async ({ req, principal, body }) => {
  const { store } = await controls()
  await audited(
    store,
    {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'auth.oidc_user_save',
      subject: body.userId,
      ipPrefix: requestIpPrefix(req),
      after: { disabled: body.disabled },
    },
    () => setOidcUserDisabled(store, body.userId, body.disabled),
  )
  return { user: body }
})
