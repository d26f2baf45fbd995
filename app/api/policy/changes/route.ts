import { requestIpPrefix } from '@/lib/audit'
import { route } from '@/lib/runtime/route'
import { applyChangeRequest } from '@/lib/policy/apply'
import { controls } from '@/lib/runtime/controls'
import { changeRequestSchema } from '@/lib/policy/types'

export const dynamic = 'force-dynamic'

/** Apply a change (revoke, quota, degrade, clear). Finer limits per role are in lib/policy/permissions.ts. */
export const POST = route({ role: 'responder', body: changeRequestSchema }, async ({ req, principal, body }) => {
  const c = await controls()
  const result = await applyChangeRequest(c, principal, body, requestIpPrefix(req))
  return result.status === 'applied'
    ? { status: 'applied', version: result.change.version, rules: result.change.rules.length }
    : { status: 'pending', proposal: result.proposal }
})
