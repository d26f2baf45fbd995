import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 7 (families-redteam7.ts): token reuse, written from the threat model ("token theft/reuse"; the
 * backend must authenticate the app instance) before the detectors were run on them. A replaying client never
 * attests (only the owner's genuine app can): it uses the token the owner's app keeps refreshing.
 *
 * - `rt7_reuse_same_network`: the thief shares the owner's network: a second phone in the same household (the owner's
 *   flatmate, with a patched app into which the token was copied) on the owner's own /24, ASN and country, so no
 *   network ever differs. Only the device does: the thief's calls carry its own phone's model, OS and device
 *   fingerprint. 2 tokens; the thief chats at 1.5 calls a minute while the owner keeps using the app (0.7 a minute),
 *   so the two phones' calls interleave and overlap under one install id. A person would call it reuse: one install
 *   id, two different phones at the same time.
 * - `rt7_reuse_shared_ring`: account sharing for a paid tier: the owner pulled the token out of their own genuine app
 *   (a hooking script on their phone) and runs a small relay that hands the fresh token to `subnets` (default 4)
 *   friends in other towns of the same country, each on their own home carrier's /24 and their own phone, each at a
 *   person's rate (0.4-1 call a minute, ordinary sizes, spread over the app's features). The owner keeps using the app
 *   too. 2 tokens shared this way. One install id from 5 residential networks at once, none of them abroad or hosted,
 *   none of them fast. `subnets` 2 (two friends each) is the "half of it" case.
 */
export type RedTeam7ReuseKind = 'rt7_reuse_same_network' | 'rt7_reuse_shared_ring'

interface User {
  owner: Install
  /** The install as this user's calls show it: the owner's own, or a copy with the user's phone or network. */
  as: Install
  replay: boolean
  perMinute: number
  next: number
}

export function redTeam7Reuse(ctx: ScenarioContext, f: Frame, kind: RedTeam7ReuseKind): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const sameNetwork = kind === 'rt7_reuse_same_network'
  const owners = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng)
  const friends = sameNetwork ? 1 : (f.s.subnets ?? 4)
  const users: User[] = owners.flatMap((owner) => [
    { owner, as: owner, replay: false, perMinute: sameNetwork ? 0.7 : 0.5, next: f.start + rng.int(2 * MIN) },
    ...Array.from({ length: friends }, (): User => {
      // The thief's own phone: another model, OS and fingerprint, the same platform the token was minted for.
      const phone = { ...consumerDevice(rng, owner.platform), fingerprint: rng.hex(32) }
      const net = sameNetwork ? {} : residentialNetwork(rng, owner.country)
      return {
        owner,
        as: { ...owner, ...phone, ...net },
        replay: true,
        perMinute: sameNetwork ? (f.s.perMinute ?? 1.5) : 0.4 + 0.6 * rng.next(),
        next: f.start + rng.int(3 * MIN),
      }
    }),
  ])
  const spread = f.tenant.features
  const detail = { feature: feature.name, kind, other_clients: friends }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const u of users)
      poissonCalls(u, u.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        // The flatmate chats; the ring's friends use whatever the app offers, as the owner does.
        const spec = sameNetwork && u.replay ? feature : spread[r.int(spread.length)]
        // A replaying client's calls go out on the token the owner's app refreshed (its expiry is the owner's).
        sendCall(sink, r, open, u.replay ? u.as : u.owner, ts, spec, ordinarySize(r, spec), f.end, !u.replay)
      })
  })
}
