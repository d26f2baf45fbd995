import type { Install } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 7 (families-redteam7.ts): look-alikes of people and their networks, written from the threat model
 * before the detectors were run on them. None is abuse.
 *
 * - `rt7_benign_dual_stack`: 80 of the tenant's users whose carrier runs IPv4 and IPv6 side by side (most mobile
 *   carriers now). Each phone has its IPv4 /24 and an IPv6 /48 of the same carrier (same ASN, same country), and the
 *   OS picks one per connection (happy eyeballs: 55 % v6), so consecutive calls of one install, and a stream and a
 *   request open at the same moment, come from two prefixes of one carrier. 1-2 calls a minute each, ordinary sizes,
 *   over the whole frame. (One install id on two prefixes at once, as token reuse looks, on one phone.)
 * - `rt7_benign_conference`: 200 of the tenant's users (existing installs, their own phones, from the tenant's
 *   countries) attend a conference in Berlin. They are in town already, their phones roaming with home-routed data,
 *   so until they reach the venue their calls still leave from their home carriers (as in the history). Over the
 *   frame's first 10 minutes they arrive and join the venue's wifi (one /24 of the venue's provider, in DE), and stay
 *   on it; they use the app at a person's rate (0.2-0.6 calls a minute). 15 minutes in, a speaker on stage says "try
 *   the assistant now": 7 in 10 of them send a chat question within the same minute, then carry on as before. (Many
 *   installs on one new /24 abroad, moved there within minutes, acting in the same minute, as a farm looks; each
 *   moved once, from its home-routed carrier to the venue, seconds apart as a roaming traveller's phone does.)
 */
export type RedTeam7NetworkKind = 'rt7_benign_dual_stack' | 'rt7_benign_conference'

/** A /48 of the carrier's IPv6 space, as the gateway stores it. */
const v6Prefix = (hex: (n: number) => string) => `2a0${hex(1)}:${hex(4)}:${hex(4)}::/48`

/** The venue's wifi provider in Berlin: an ASN and the first octets of its space. */
const VENUE = { asn: 8_881, country: 'DE', first: [78, 92] }

function dualStack(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const phones = recruitFrom(ctx, f.tenant, f.s.installs ?? 80, rng).map((inst) => ({
    inst,
    // The same phone on its IPv6 leg: another object so a stream opened on v6 is reported on v6 while it lasts.
    v6: { ...inst, ipPrefix: v6Prefix((n) => rng.hex(n)) } as Install,
    next: f.start + rng.int(MIN),
    perMinute: 1 + rng.next(),
  }))
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const installs = phones.map((x) => x.inst)
  return installScenario('benign', f, installs, { kind: 'rt7_benign_dual_stack' }, (sink, r, t0, t1, open) => {
    for (const x of phones)
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const leg = r.chance(0.55) ? x.v6 : x.inst
        // One token for both legs: whichever leg checks it, the phone's token lasts for both.
        leg.tokenExpiresAt = Math.max(x.inst.tokenExpiresAt, x.v6.tokenExpiresAt)
        const spec = weightedPick(r, all)
        sendCall(sink, r, open, leg, ts, spec, ordinarySize(r, spec), f.end)
        x.inst.tokenExpiresAt = x.v6.tokenExpiresAt = leg.tokenExpiresAt
      })
  })
}

function conference(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const venue = { asn: VENUE.asn, country: VENUE.country, ipPrefix: `${rng.pick(VENUE.first)}.${rng.int(256)}.${rng.int(256)}.0/24` }
  const demoAt = f.start + 15 * MIN
  const people = recruitFrom(ctx, f.tenant, f.s.installs ?? 200, rng).map((inst) => ({
    inst,
    arriveAt: f.start + rng.int(10 * MIN),
    arrived: false,
    next: f.start + rng.int(3 * MIN),
    perMinute: 0.2 + 0.4 * rng.next(),
    demo: rng.chance(0.7) ? demoAt + rng.int(MIN) : Infinity,
  }))
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const installs = people.map((x) => x.inst)
  const detail = { kind: 'rt7_benign_conference', asn: String(VENUE.asn), ip_prefix: venue.ipPrefix }
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const x of people) {
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = weightedPick(r, all)
        sendCall(sink, r, open, x.inst, ts, spec, ordinarySize(r, spec), f.end)
      })
      if (x.demo >= t0 && x.demo < t1) sendCall(sink, r, open, x.inst, x.demo, chat, ordinarySize(r, chat), f.end)
      // Joined the venue's wifi: applied at the end of the tick, as this tick's ordinary traffic used the old network.
      if (!x.arrived && x.arriveAt < t1) {
        x.arrived = true
        Object.assign(x.inst, venue)
      }
    }
  })
}

export function redTeam7Networks(ctx: ScenarioContext, f: Frame, kind: RedTeam7NetworkKind): Scenario {
  return kind === 'rt7_benign_dual_stack' ? dualStack(ctx, f) : conference(ctx, f)
}
