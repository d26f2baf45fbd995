import type { Install, Platform } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { joinLabels } from './redteam8-calls'
import { bucketOf, recruitWhere } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): benign look-alikes, written from the threat model before the detectors
 * were run on them. None is abuse.
 *
 * - `rt9_benign_ash_cloud`: a news event. A volcanic ash cloud closes European airspace at the frame's first minute.
 *   150 of the travel app's users in Europe (existing installs; a third of them have been waiting at one of four hub
 *   airports since some time in the last 40 minutes, on its wifi: one /24 of the airport's provider each) and 100
 *   people who install the app to rebook (their own phones and carriers in the same countries, over 15 minutes) all
 *   turn to the app within minutes of the news (mean 3 min): a session of 10-25 minutes at 1-2.5 calls a minute,
 *   half of it chat to rebook (the itinerary and the airline's rules in the prompt: 1.5-2.5x the median context),
 *   a third search_qa about the closure (the same retrieved news articles for everyone: 2.2x the feature's median,
 *   ± 2 %), the rest translate, then back to their usual use. (Hundreds of installs of one region sending big and
 *   near-identical prompts in the same minutes, many of them on four shared /24s, many brand new: a spread bombing's
 *   or a farm's shape; the news explains every call.)
 * - `rt9_benign_model_generation`: the health app moves its chat from claude-sonnet-4 to claude-sonnet-4-5 for half
 *   its installs (a hash of the install id) from the frame's start: a flag flip before the full rollout. Same price
 *   per token, the same prompts; the new model's answers are about 5 % longer. (A model change on half a tenant's
 *   installs at once, as a cost shift looks; the cost per request moves by a few percent.)
 */
export type RedTeam9BenignKind = 'rt9_benign_ash_cloud' | 'rt9_benign_model_generation'

/** Four hub airports' wifi providers: [asn, country, first octets] (one /24 each). */
const AIRPORTS = [
  { asn: 42_689, country: 'GB', first: 185 },
  { asn: 51_207, country: 'FR', first: 194 },
  { asn: 57_344, country: 'ES', first: 193 },
  { asn: 31_529, country: 'DE', first: 212 },
]
const EUROPE = new Set(AIRPORTS.map((a) => a.country))

interface Stranded {
  inst: Install
  /** When the phone joined the airport wifi (before the news), or Infinity: not at an airport. */
  wifiAt: number
  wifi?: { asn: number; country: string; ipPrefix: string }
  joinAt: number
  next: number
  perMinute: number
  sessionEnd: number
}

function ashCloud(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const news = f.start + MIN
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const wifis = AIRPORTS.map((a) => ({ asn: a.asn, country: a.country, ipPrefix: `${a.first}.${rng.int(256)}.${rng.int(256)}.0/24` }))
  const chat = featureOf(f)
  const search = f.tenant.features.find((x) => x.name === 'search_qa') ?? chat
  const translate = f.tenant.features.find((x) => x.name === 'translate') ?? chat
  // The news articles the search feature retrieves about the closure: the same for everyone.
  const article = profileOf(search.name).ctx * 2.2
  const session = (inst: Install, joinAt: number, wifiAt = Infinity, wifi?: Stranded['wifi']): Stranded => ({
    inst,
    wifiAt,
    wifi,
    joinAt,
    next: joinAt,
    perMinute: 1 + 1.5 * rng.next(),
    sessionEnd: joinAt + Math.round(rng.uniform(10, 25) * MIN),
  })
  const reacting = (mean: number, cap: number) => news + Math.round(Math.min(cap, rng.exponential(mean)))
  const locals = recruitWhere(ctx, f.tenant, f.s.installs ?? 150, rng, (i) => EUROPE.has(i.country)).map((inst) => {
    const airport = rng.chance(1 / 3) ? wifis.find((w) => w.country === inst.country) : undefined
    return session(inst, reacting(3 * MIN, 15 * MIN), airport ? f.start - rng.int(38 * MIN) : Infinity, airport)
  })
  const countries = AIRPORTS.map((a) => [a.country, 1] as const)
  const newcomers = Array.from({ length: 100 }, () => {
    const country = weightedPick(rng, countries)
    const platform: Platform = rng.chance(f.tenant.iosShare) ? 'ios' : 'android'
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { ...residentialNetwork(rng, country), country },
      { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) },
    )
    inst.platform = platform
    return session(inst, reacting(4 * MIN, 15 * MIN))
  })
  const people = [...locals, ...newcomers]
  const detail = { kind: 'rt9_benign_ash_cloud', airports: wifis.map((w) => w.ipPrefix) }
  const scenario = installScenario('benign', f, [], detail, (sink, r, t0, t1, open) => {
    for (const p of people) {
      poissonCalls(p, p.perMinute, r, t0, Math.min(t1, p.sessionEnd, f.end), (ts) => {
        const pick = r.next()
        if (pick < 0.5) {
          const ctxSize = profileOf(chat.name).ctx * r.uniform(1.5, 2.5)
          sendCall(sink, r, open, p.inst, ts, chat, { context: ctxSize, completion: ordinarySize(r, chat).completion }, f.end)
        } else if (pick < 0.85) {
          sendCall(sink, r, open, p.inst, ts, search, { context: article * r.uniform(0.98, 1.02), completion: ordinarySize(r, search).completion }, f.end)
        } else sendCall(sink, r, open, p.inst, ts, translate, ordinarySize(r, translate), f.end)
      })
      // Arrived at the airport: on its wifi from then on (at the tick's end: this tick's ordinary calls used the old network).
      if (p.wifi && t1 > p.wifiAt) {
        Object.assign(p.inst, p.wifi)
        p.wifi = undefined
      }
    }
  })
  const labels = [
    ...joinLabels('benign', locals, f.end, { kind: 'rt9_benign_ash_cloud', who: 'stranded' }),
    ...joinLabels('benign', newcomers, f.end, { kind: 'rt9_benign_ash_cloud', who: 'new_install' }),
  ]
  return { ...scenario, labels }
}

const NEXT_GENERATION = 'claude-sonnet-4-5'

function modelGeneration(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const share = f.s.installShare ?? 0.5
  const moved = ctx.pop.installs.filter((i) => i.tenant === f.tenant && !ctx.taken.has(i.id) && bucketOf('rt9-generation', i.id) < share)
  for (const i of moved) ctx.taken.add(i.id)
  const flagged = new Set(moved)
  const on = (inst: Install, name: string, ts: number) => flagged.has(inst) && name === feature.name && ts >= f.start && ts < f.end
  const detail = { kind: 'rt9_benign_model_generation', feature: feature.name, from: feature.model, to: NEXT_GENERATION, share }
  const scenario = installScenario('benign', f, moved, detail, () => {})
  return {
    ...scenario,
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) => (on(inst, name, ts) ? NEXT_GENERATION : model),
      completionFactor: (inst, name, _v, ts) => (on(inst, name, ts) ? 1.05 : 1),
    },
  }
}

export function redTeam9Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam9BenignKind): Scenario {
  return kind === 'rt9_benign_ash_cloud' ? ashCloud(ctx, f) : modelGeneration(ctx, f)
}
