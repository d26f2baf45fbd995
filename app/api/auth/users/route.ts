import { z } from 'zod'
import { audited, requestIpPrefix } from '@/lib/audit'
import { ROLES } from '@/lib/auth/roles'
import { userIdSchema } from '@/lib/auth/user-name'
import { leavesNoAdmin, listUsers, saveUser, type SaveUserResponse, type UsersResponse } from '@/lib/auth/users'
import { HttpError, route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

export const GET = route({ role: 'admin' }, async (): Promise<UsersResponse> => {
  const { store } = await controls()
  return { users: await listUsers(store) }
})

const body = z.object({
  userId: userIdSchema,
  displayName: z.string().min(1).max(128).optional(),
  role: z.enum(ROLES),
  password: z.string().min(12).max(1024).optional(),
  disabled: z.boolean().optional(),
})

/** Create or update a local user (admin). The audit entry never contains the password. */
export const POST = route({ role: 'admin', body }, async ({ req, principal, body }): Promise<SaveUserResponse> => {
  const { store } = await controls()
  const users = await listUsers(store)
  const before = users.find((u) => u.userId === body.userId) ?? null
  if (!before && !body.password) throw new HttpError(400, 'a new user needs a password of at least 12 characters')
  if (leavesNoAdmin(users, body)) throw new HttpError(409, 'this would leave no enabled admin: make another user admin first')
  // The entry describes the request (the saved user does not exist yet); the
  // fields left out of it keep their stored values.
  const { password, ...requested } = body
  const user = await audited(
    store,
    {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'auth.user_save',
      subject: body.userId,
      ipPrefix: requestIpPrefix(req),
      before,
      after: { ...requested, passwordChanged: Boolean(password) },
    },
    () => saveUser(store, body),
  )
  return { user }
})
