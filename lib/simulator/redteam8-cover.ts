import type { Install } from './population'
import { consumerDevice } from './population'
import type { Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { humanTick, tenantUser, type Person } from './redteam4-people'
import { nextVersion } from './families-release'
import { farmLabels } from './emulator-farm'
import { joinLabels, subnetsOf, type Host } from './redteam8-calls'

/**
 * Red team, round 8 (families-redteam8.ts): attacks hidden in a benign event, written from the threat model before the
 * detectors were run on them. The crowd around each attack is people (labelled benign); only the attackers are abuse.
 *
 * - `rt8_bomb_release_cover`: the travel app ships a new version; over the frame's first 10 minutes 200 people
 *   install it from the store (their own phones and carriers in the tenant's countries, 0.3-1.3 calls a minute,
 *   ordinary sizes) while 35 % of the existing installs upgrade (each after an exponential delay, mean 8 min). An
 *   attacker times a raid to the launch: 6 more new installs on the new version (`installs`; residential proxies in
 *   the tenant's countries, a different phone each, attestation passing), appearing among the newcomers in the same
 *   10 minutes, each then calling 2.5 times a minute for the rest of the frame: 4 calls in 5 to search_qa at 3-4x its
 *   median context, 1 in 5 an ordinary chat question. A person would call the 6 abuse: brand-new installs whose every
 *   search is several times the feature's size, nonstop, however many honest newcomers share their version and
 *   their first minutes.
 * - `rt8_farm_push_cover`: the fitness app's marketing push ("new installs get 50 free premium answers") brings 300
 *   people over 10 minutes (their own phones and carriers, 0.3-1.3 calls a minute). A farm farms the promotion: 40
 *   emulators (`installs`) on 4 /24s of a US hosting provider none of the earlier farms used (ColoCrossing), 2
 *   spoofed phone builds, a fingerprint each, attestation hooked and passing, registering in the same 10 minutes as
 *   the push's crowd. Each chats nonstop at 1.5-2.5 calls a minute, ordinary sizes, until it has used 40-50 of its 50
 *   free answers. A person would call it a farm: 40 new installs on a hosting provider's 4 /24s with 2 phone builds, each
 *   calling far more than a newcomer does, hidden in a crowd of real newcomers. `installs` 20 is the "half of it" case.
 */
export type RedTeam8CoverKind = 'rt8_bomb_release_cover' | 'rt8_farm_push_cover'

/** ColoCrossing: [asn, country, first octets]. */
const COLOCROSSING: Host = { asn: 36_352, country: 'US', first: [107, 172, 192] }

/** `count` people installing the app over `spreadMs` from the frame's start, on `version`, at a person's rate. */
function newcomers(rng: Rng, f: Frame, known: Set<string>, count: number, version: string): Person[] {
  return Array.from({ length: count }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    inst.appVersion = version
    return { inst, joinAt: f.start + rng.int(10 * MIN), perMinute: 0.3 + rng.next() }
  })
}

function releaseCover(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const search = featureOf(f)
  const chat = f.tenant.features.find((x) => x.name === 'chat_assistant') ?? search
  const p = profileOf(search.name)
  const release = nextVersion(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const upgradeAt = new Map<Install, number>()
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && rng.chance(0.35)) upgradeAt.set(inst, f.start + rng.exponential(8 * MIN))
  const crowd = newcomers(rng, f, known, 200, release)
  const bombers = newcomers(rng, f, known, f.s.installs ?? 6, release).map((b) => ({ ...b, next: b.joinAt }))
  const people = humanTick(crowd, f)
  const detail = { feature: search.name, kind: 'rt8_bomb_release_cover', context_factor: '3-4', version: release }
  const scenario = installScenario('prompt_bomber', f, [], detail, (sink, r, t0, t1, open) => {
    people(sink, r, t0, t1)
    for (const b of bombers)
      poissonCalls(b, 2.5, r, t0, Math.min(t1, f.end), (ts) => {
        if (r.chance(0.2)) sendCall(sink, r, open, b.inst, ts, chat, ordinarySize(r, chat), f.end)
        else sendCall(sink, r, open, b.inst, ts, search, { context: p.ctx * r.uniform(3, 4), completion: ordinarySize(r, search).completion }, f.end)
      })
  })
  return {
    ...scenario,
    labels: [...joinLabels('prompt_bomber', bombers, f.end, detail), ...joinLabels('benign', crowd, f.end, { kind: 'rt8_release_newcomer', version: release })],
    hook: { appVersion: (inst, version, ts) => (ts >= (upgradeAt.get(inst) ?? Infinity) ? release : version), contextFactor: () => 1 },
  }
}

function pushCover(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const crowd = newcomers(rng, f, known, 300, latest)
  const subnets = subnetsOf(rng, COLOCROSSING, 4)
  const builds = [consumerDevice(rng, 'android'), consumerDevice(rng, 'android')]
  const members = Array.from({ length: f.s.installs ?? 40 }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(subnets), { ...rng.pick(builds), fingerprint: rng.hex(32) })
    inst.appVersion = latest
    const createdAt = f.start + rng.int(10 * MIN)
    return { inst, createdAt, next: createdAt, perMinute: 1.5 + rng.next(), left: 40 + rng.int(11) }
  })
  const people = humanTick(crowd, f)
  const cluster = `${f.tenant.id}:rt8-promo-${rng.hex(6)}`
  const detail = { kind: 'rt8_farm_push_cover', installs: members.length, asns: [String(COLOCROSSING.asn)], ip_prefixes: subnets.map((s) => s.ipPrefix) }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    people(sink, r, t0, t1)
    for (const m of members)
      poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        // The promotion's free answers used up: the emulator goes quiet (its operator moves on to a new identity elsewhere).
        if (m.left > 0 && sendCall(sink, r, open, m.inst, ts, chat, ordinarySize(r, chat), f.end)) m.left--
      })
  })
  return { ...scenario, labels: [...farmLabels(members, cluster, f, detail), ...joinLabels('benign', crowd, f.end, { kind: 'rt8_push_newcomer' })] }
}

export function redTeam8Cover(ctx: ScenarioContext, f: Frame, kind: RedTeam8CoverKind): Scenario {
  return kind === 'rt8_bomb_release_cover' ? releaseCover(ctx, f) : pushCover(ctx, f)
}
