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

/** Enforcer replicas (npm run enforcer) ack as `enforcer-<replica>` (lib/queries/enforcers.ts). */
const ENFORCER_PREFIX = 'enforcer-'

/**
 * (gateway id → version) last audited by this process: a heartbeat re-acks the version held every 30 s, and
 * only a new version gets an audit entry. Bounded: cleared past 10,000 ids (at worst an extra entry each).
 */
const lastAuditedVersion = new Map<string, number>()

/**
 * A polling gateway acknowledges the version it enforces. A gateway token may
 * ack as itself, or as an enforcer replica it runs (`enforcer-<replica>`, the
 * enforcer without Kafka: docs/enforcer.md), since one token usually serves
 * several replicas; the audit entry names the token either way. Audited like
 * any other write, with the gateway (or the testing admin) as actor: the ack
 * itself lands in `events`, which expires after RETENTION_DAYS and is not an
 * audit trail. One entry per gateway per version: heartbeats re-acking the
 * same version are recorded as acks (the replica's "last seen") only.
 */
export const POST = route({ role: 'viewer', body }, async ({ req, principal, body }) => {
  if (principal.provider !== 'gateway' && principal.role !== 'admin') throw new HttpError(403, 'only gateways (or admins, for testing) acknowledge policy')
  if (principal.provider === 'gateway' && principal.userId !== `gateway:${body.gateway_id}` && !body.gateway_id.startsWith(ENFORCER_PREFIX))
    throw new HttpError(403, `a gateway may only acknowledge as itself or as an enforcer replica (${ENFORCER_PREFIX}<replica>)`)
  const { store } = await controls()
  const { gateway_id: id, policy_version: version } = body
  const prev = lastAuditedVersion.get(id)
  if (prev === version) {
    await recordAck(store, id, version)
    return { ok: true }
  }
  // Claimed before the write: a heartbeat arriving while this ack is being written is not audited again.
  if (lastAuditedVersion.size >= 10_000) lastAuditedVersion.clear()
  lastAuditedVersion.set(id, version)
  try {
    await audited(
      store,
      {
        actor: principal.userId,
        actorRole: principal.role,
        action: 'policy.ack',
        subject: `${id} v${version}`,
        ipPrefix: requestIpPrefix(req),
      },
      () => recordAck(store, id, version),
    )
  } catch (err) {
    if (lastAuditedVersion.get(id) === version) {
      if (prev === undefined) lastAuditedVersion.delete(id)
      else lastAuditedVersion.set(id, prev)
    }
    throw err
  }
  return { ok: true }
})
