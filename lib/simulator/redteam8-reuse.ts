import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { shuffle, weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { subnetsOf, type Host } from './redteam8-calls'

/**
 * Red team, round 8 (families-redteam8.ts): token reuse, written from the threat model ("token theft/reuse"; the
 * backend must authenticate the app instance) before the detectors were run on them. A replaying client never attests
 * (only the owner's genuine app can): it uses the token the owner's app keeps refreshing, and it copies the owner's
 * app headers (app version, phone model, OS, device fingerprint), so only its network tells it apart.
 *
 * - `rt8_reuse_ipv6_abroad`: infostealer malware on 2 of the bank app's users' phones sends their tokens to an
 *   operator in Vietnam, who replays them from a phone on an IPv6-only mobile carrier there (Viettel): every replayed
 *   call comes from an IPv6 /48, country VN, at 1.2 calls a minute (chat, and search_qa one time in three), while
 *   each owner keeps using the app at home in North America (0.6 calls a minute on top of their ordinary use). A
 *   person would call it reuse: one install id in the Americas and in Vietnam in the same minutes, 13,000 km apart.
 * - `rt8_reuse_cross_tenant_box`: the same stealer harvests tokens of every AI app it finds: one replay box on a
 *   hosting /24 abroad (Stark Industries, NL) uses 3 stolen tokens, one of each of 3 tenants' apps (`installs` per
 *   tenant), each at 0.8 calls a minute over that app's features, while their owners go on at home (0.5 a minute).
 *   Each app sees one token replayed at a modest rate; the gateway sees one hosting /24 using three apps' tokens at
 *   once. A person would call each token stolen: its install at home and in a Dutch datacenter in the same minutes.
 */
export type RedTeam8ReuseKind = 'rt8_reuse_ipv6_abroad' | 'rt8_reuse_cross_tenant_box'

const VIETTEL = { asn: 7_552, country: 'VN' }
const STARK: Host = { asn: 44_477, country: 'NL', first: [45, 77, 94] }

interface User {
  /** The install as this client's calls show it: the owner's own, or a copy on the thief's network. */
  as: Install
  replay: boolean
  perMinute: number
  next: number
}

/** The owners' and thieves' calls over the app's features (the thieves' weighted by `thiefMix`), owners labelled. */
function replay(f: Frame, owners: Install[], users: User[], detail: GroundTruthLabel['detail'], thiefMix?: [string, number][]): Scenario {
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const u of users)
      poissonCalls(u, u.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const features = u.as.tenant.features
        const mix = u.replay && thiefMix ? thiefMix : features.map((x) => [x.name, x.weight] as [string, number])
        const spec = features.find((x) => x.name === weightedPick(r, mix)) ?? features[0]
        sendCall(sink, r, open, u.as, ts, spec, ordinarySize(r, spec), f.end, !u.replay)
      })
  })
}

function ipv6Abroad(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const owners = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng)
  const users: User[] = owners.flatMap((owner) => [
    { as: owner, replay: false, perMinute: 0.6, next: f.start + rng.int(2 * MIN) },
    {
      as: { ...owner, ...VIETTEL, ipPrefix: `2402:800:${rng.hex(4)}::/48` },
      replay: true,
      perMinute: f.s.perMinute ?? 1.2,
      next: f.start + rng.int(2 * MIN),
    },
  ])
  const detail = { feature: 'chat_assistant', kind: 'rt8_reuse_ipv6_abroad', thief_asn: String(VIETTEL.asn), thief_country: VIETTEL.country }
  return replay(f, owners, users, detail, [
    ['chat_assistant', 2],
    ['search_qa', 1],
  ])
}

function crossTenantBox(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant)
  const tenants = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const owners = tenants.flatMap((t) => recruitFrom(ctx, t, f.s.installs ?? 1, rng))
  const [box] = subnetsOf(rng, STARK, 1)
  const users: User[] = owners.flatMap((owner) => [
    { as: owner, replay: false, perMinute: 0.5, next: f.start + rng.int(2 * MIN) },
    { as: { ...owner, ...box }, replay: true, perMinute: 0.8, next: f.start + rng.int(3 * MIN) },
  ])
  const detail = { kind: 'rt8_reuse_cross_tenant_box', tenants: tenants.map((t) => t.id), thief_asn: String(STARK.asn), thief_ip_prefix: box.ipPrefix }
  return replay(f, owners, users, detail)
}

export function redTeam8Reuse(ctx: ScenarioContext, f: Frame, kind: RedTeam8ReuseKind): Scenario {
  return kind === 'rt8_reuse_ipv6_abroad' ? ipv6Abroad(ctx, f) : crossTenantBox(ctx, f)
}
