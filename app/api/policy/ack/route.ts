import { z } from 'zod'
import { audited, requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/runtime/route'
import { recordAck } from '@/lib/policy/ack'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

const body = z.object({
  gateway_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:@/+=-]+$/),
  policy_version: z.number().int().min(0),
})

/**
 * A polling gateway acknowledges the version it enforces. A gateway token may
 * only ack as itself. Audited like any other write, with the gateway (or the
 * testing admin) as actor: the ack itself lands in `events`, which expires
 * after RETENTION_DAYS and is not an audit trail. Gateways ack once per new
 * version, so this adds one entry per gateway per policy change.
 */
export const POST = route({ role: 'viewer', body }, async ({ req, principal, body }) => {
  if (principal.provider !== 'gateway' && principal.role !== 'admin') throw new HttpError(403, 'only gateways (or admins, for testing) acknowledge policy')
  if (principal.provider === 'gateway' && principal.userId !== `gateway:${body.gateway_id}`)
    throw new HttpError(403, 'a gateway may only acknowledge as itself')
  const { store } = await controls()
  await audited(
    store,
    {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'policy.ack',
      subject: `${body.gateway_id} v${body.policy_version}`,
      ipPrefix: requestIpPrefix(req),
    },
    () => recordAck(store, body.gateway_id, body.policy_version),
  )
  return { ok: true }
})
