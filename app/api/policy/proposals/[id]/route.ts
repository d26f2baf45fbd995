import { z } from 'zod'
import { requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/runtime/route'
import { decide } from '@/lib/policy/apply'
import { controls } from '@/lib/runtime/controls'
import { proposalIdSchema } from '@/lib/policy/proposals'

export const dynamic = 'force-dynamic'

const body = z.object({ approve: z.boolean() })

/** Second approver for global changes: a different admin approves (applies) or rejects. */
export const POST = route({ role: 'admin', body }, async ({ req, principal, body, params }) => {
  const id = proposalIdSchema.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid proposal id: expected a UUID')
  const result = await decide(await controls(), principal, id.data, body.approve, requestIpPrefix(req))
  return result.status === 'applied' ? { status: 'applied', version: result.change.version } : { status: result.proposal.status }
})
