import { z } from 'zod'

/** Local user names: what an admin may create, and so the only names that can sign in. */
const USER_ID_MAX = 64
export const userIdSchema = z
  .string()
  .min(1)
  .max(USER_ID_MAX)
  .regex(/^[A-Za-z0-9._@-]+$/)

/**
 * The typed user name of a failed sign-in, fit for the audit log. People type
 * their password into the user field often enough; anything that could not be
 * a user name is recorded only by its length, never verbatim.
 */
export function auditableUserName(typed: string): string {
  if (userIdSchema.safeParse(typed).success) return typed
  return `[invalid username, ${Array.from(typed).length} chars]`
}
