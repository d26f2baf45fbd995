import { recordAudit, requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/http/route'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

/** New signing key; the old one keeps verifying for POLICY_KEY_GRACE_HOURS. Topic records are re-signed. */
export const POST = route({ role: 'admin' }, async ({ req, principal }) => {
  const { store, ring, publisher } = await controls()
  const before = ring.jwks().keys.map((k) => k.kid)
  let rotated
  try {
    rotated = await ring.rotate()
  } catch (err) {
    throw new HttpError(409, (err as Error).message)
  }
  await publisher?.republishAll().catch(() => {}) // a failure leaves the publisher behind; it retries
  await recordAudit(store, { actor: principal.userId, actorRole: principal.role, action: 'config.policy_key_rotate', subject: rotated.kid, ipPrefix: requestIpPrefix(req), before: { kids: before }, after: { kids: ring.jwks().keys.map((k) => k.kid) } })
  return rotated
})
