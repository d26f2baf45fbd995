import { z } from 'zod'
import { HttpError, route } from '@/lib/http/route'
import { recordAck } from '@/lib/policy/ack'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

const body = z.object({ gateway_id: z.string().min(1).max(64).regex(/^[A-Za-z0-9._:@/+=-]+$/), policy_version: z.number().int().min(0) })

/** A polling gateway acknowledges the version it enforces. A gateway token may only ack as itself. */
export const POST = route({ role: 'viewer', body }, async ({ principal, body }) => {
  if (principal.provider !== 'gateway' && principal.role !== 'admin') throw new HttpError(403, 'only gateways (or admins, for testing) acknowledge policy')
  if (principal.provider === 'gateway' && principal.userId !== `gateway:${body.gateway_id}`) throw new HttpError(403, 'a gateway may only acknowledge as itself')
  const { store } = await controls()
  await recordAck(store, body.gateway_id, body.policy_version)
  return { ok: true }
})
