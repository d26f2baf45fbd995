import { z } from 'zod'
import { requestIpPrefix } from '@/lib/audit'
import { route } from '@/lib/runtime/route'
import { undoChange } from '@/lib/policy/apply'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

const body = z.object({ version: z.number().int().min(1), reason: z.string().trim().min(3).max(500) })

/** Undo = a new version restoring what the given version overwrote. */
export const POST = route({ role: 'responder', body }, async ({ req, principal, body }) => {
  const change = await undoChange(await controls(), principal, body.version, body.reason, requestIpPrefix(req))
  return { status: 'applied', version: change.version, rules: change.rules.length }
})
