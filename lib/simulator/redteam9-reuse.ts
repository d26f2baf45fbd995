import type { Install } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, poissonCalls, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { subnetsOf, type Host } from './redteam8-calls'
import { featureMix, longStream, otherCarrierOf, recruitWhere } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): token reuse, written from the threat model ("long-lived AI streams keep
 * auth valid longer"; "token theft/reuse") before the detectors were run on them. A replaying client never attests
 * (only the owner's genuine app can): it uses the token the owner's app keeps refreshing, and it copies the owner's
 * app headers (version, phone model, OS, fingerprint), so only its network and its missing token checks tell it apart.
 *
 * - `rt9_reuse_cloud_streams`: 2 of the bank app's US users' tokens are replayed from a cloud server in their own
 *   country (Amazon, one /24 each: a VM in a US region), slowly: 0.4 calls a minute, each a long chat answer
 *   streamed for 40-120 s (15-25 tokens a second), while each owner keeps chatting at home (0.8 calls a minute on
 *   top of their ordinary use). The thief has a stream open about half the time, so the owner's calls land
 *   while one is open: one install id with a stream open from a datacenter while it calls from a home carrier. A
 *   person would call it reuse: a phone at home and a server in Virginia holding the same token at once.
 * - `rt9_reuse_background_handoff`: malware on 2 of the travel app's users' phones forwards their tokens, and signals
 *   when the app goes to the background: the thief uses the token only then. The owner's app sessions last 2-6
 *   minutes, the gaps between them 3-10; calls go on at 1.5 a minute either way, the owner's from the home network
 *   (with its token checks), the thief's in the gaps through a residential proxy of another carrier of the owner's
 *   country (a new /24 each gap, no token checks). The owner's phone still makes the odd call while in the
 *   background (its ordinary traffic), so the two seldom but sometimes overlap. A person would call it reuse: one
 *   install id handing over between its home network and a different proxy /24 every few minutes, never attesting
 *   there.
 */
export type RedTeam9ReuseKind = 'rt9_reuse_cloud_streams' | 'rt9_reuse_background_handoff'

/** Amazon's US regions: [asn, country, first octets]. */
const AMAZON_US: Host = { asn: 16_509, country: 'US', first: [3, 18, 54] }

function cloudStreams(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const owners = recruitWhere(ctx, f.tenant, f.s.installs ?? 2, rng, (i) => i.country === AMAZON_US.country)
  const thieves = owners.map((owner) => ({ as: { ...owner, ...subnetsOf(rng, AMAZON_US, 1)[0] }, next: f.start + rng.int(2 * MIN) }))
  const homes = owners.map((owner) => ({ owner, next: f.start + rng.int(MIN) }))
  const detail = { feature: chat.name, kind: 'rt9_reuse_cloud_streams', thief_asn: String(AMAZON_US.asn), thief_ip_prefixes: thieves.map((t) => t.as.ipPrefix) }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const h of homes) poissonCalls(h, 0.8, r, t0, Math.min(t1, f.end), (ts) => sendCall(sink, r, open, h.owner, ts, chat, ordinarySize(r, chat), f.end))
    for (const t of thieves)
      poissonCalls(t, f.s.perMinute ?? 0.4, r, t0, Math.min(t1, f.end), (ts) => {
        longStream(sink, r, open, t.as, ts, chat, [40, 120], [15, 25], f.end, false)
      })
  })
}

/** Owner sessions and the gaps between them (the thief's turns), in minutes. */
const SESSION_MIN = [2, 6] as const
const GAP_MIN = [3, 10] as const

interface Handoff {
  owner: Install
  /** The thief's copy of the install on its current proxy exit. */
  thief: Install
  thiefTurn: boolean
  turnEnd: number
  next: number
}

function backgroundHandoff(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const owners = recruitWhere(ctx, f.tenant, f.s.installs ?? 2, rng, () => true)
  const pairs: Handoff[] = owners.map((owner) => ({
    owner,
    thief: owner,
    thiefTurn: false,
    turnEnd: f.start + Math.round(rng.uniform(SESSION_MIN[0], SESSION_MIN[1]) * MIN),
    next: f.start + rng.int(30_000),
  }))
  const detail = { kind: 'rt9_reuse_background_handoff', session_min: '2-6', gap_min: '3-10' }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const p of pairs)
      poissonCalls(p, 1.5, r, t0, Math.min(t1, f.end), (ts) => {
        while (ts >= p.turnEnd) {
          p.thiefTurn = !p.thiefTurn
          const [lo, hi] = p.thiefTurn ? GAP_MIN : SESSION_MIN
          p.turnEnd += Math.round(r.uniform(lo, hi) * MIN)
          // A new sticky proxy session for each of the thief's turns.
          if (p.thiefTurn) p.thief = { ...p.owner, ...otherCarrierOf(r, p.owner) }
        }
        const spec = weightedPick(r, featureMix(p.owner.tenant))
        if (p.thiefTurn) sendCall(sink, r, open, p.thief, ts, spec, ordinarySize(r, spec), f.end, false)
        else sendCall(sink, r, open, p.owner, ts, spec, ordinarySize(r, spec), f.end)
      })
  })
}

export function redTeam9Reuse(ctx: ScenarioContext, f: Frame, kind: RedTeam9ReuseKind): Scenario {
  return kind === 'rt9_reuse_cloud_streams' ? cloudStreams(ctx, f) : backgroundHandoff(ctx, f)
}
