import type { JWK } from 'jose'
import { PolicyEnforcer } from '../policy/enforcer'
import { followPolicyTopic } from '../policy/follower'
import { EnforcedGenerator } from './enforced'

interface Generator {
  generate(fromMs: number, toMs: number): import('../events/schema').GatewayEventInput[]
}

export interface FollowPolicyOptions {
  brokers: string[]
  topic: string
  /** Base URL of the Burnrate app, where the public key set is served. */
  policyUrl: string
  /** A gateway token from POLICY_GATEWAY_TOKENS (sent as Bearer). */
  gatewayToken: string
  log?: (line: string) => void
}

/**
 * Stack mode: the simulated gateway follows the signed, compacted policy topic
 * like a real gateway would, so a revocation made in the dashboard travels
 * through Kafka and stops the simulated attacker.
 */
export async function enforcedByPolicyTopic(inner: Generator, opts: FollowPolicyOptions) {
  const log = opts.log ?? console.log
  const jwks = async (): Promise<{ keys: JWK[] }> => {
    // The app may still be building or starting: keep asking for up to fifteen minutes.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(new URL('/api/policy/jwks', opts.policyUrl), { headers: { authorization: `Bearer ${opts.gatewayToken}` } })
        if (res.ok) return (await res.json()) as { keys: JWK[] }
        if (res.status === 401 || res.status === 403) throw new Error(`policy key set refused (${res.status}): check the gateway token`)
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('policy key set refused')) throw err
      }
      if (attempt >= 900) throw new Error(`no policy key set from ${opts.policyUrl} after 15 minutes`)
      await new Promise((r) => setTimeout(r, 1_000))
    }
  }
  // The app creates the policy topic when it starts publishing: wait for the app first.
  log(`[simulate] waiting for the policy key set at ${opts.policyUrl}`)
  await jwks()
  const enforcer = new PolicyEnforcer()
  const follower = await followPolicyTopic({ brokers: opts.brokers, topic: opts.topic, jwks, enforcer, clientId: 'burnrate-simulator', log })
  await follower.caughtUp
  log(`[simulate] following policy topic ${opts.topic}: at version ${enforcer.version}`)
  return { generator: new EnforcedGenerator(inner, enforcer, { gatewayId: 'simulator' }), stop: follower.stop }
}
