import { audited, requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import type { RotateKeyResponse } from '@/lib/policy/keys'

export const dynamic = 'force-dynamic'

/** New signing key; the old one keeps verifying for POLICY_KEY_GRACE_HOURS. Topic records are re-signed. */
export const POST = route({ role: 'admin' }, async ({ req, principal }) => {
  const { store, ring, publisher } = await controls()
  // The new key's id does not exist until it is made; the entry names the key it retires (the JWKS lists both).
  const rotated = await audited(
    store,
    {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'config.policy_key_rotate',
      subject: `retire ${ring.activeKid}`,
      ipPrefix: requestIpPrefix(req),
      before: { kids: ring.jwks().keys.map((k) => k.kid) },
    },
    () =>
      ring.rotate().catch((err: Error) => {
        throw new HttpError(409, err.message) // keys from POLICY_SIGNING_KEYS cannot be rotated here
      }),
  )
  // Queued behind the changes already being published, so no re-signed record can overtake a newer one.
  // Not awaited, like a commit's own publishing: if Kafka is down the publisher is left behind and retries.
  void publisher?.republish()
  const response: RotateKeyResponse = { ...rotated, republish: publisher ? 'queued' : 'none' }
  return response
})
