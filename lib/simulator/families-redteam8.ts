import type { AttestationReason } from '../events/schema'
import type { Install } from './population'
import { clamp, shuffle } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { sendCall } from './redteam5-calls'
import { gatedCall } from './redteam8-calls'
import { redTeam8Cover, type RedTeam8CoverKind } from './redteam8-cover'
import { redTeam8Farm, type RedTeam8FarmKind } from './redteam8-farms'
import { redTeam8Streams, type RedTeam8StreamKind } from './redteam8-streams'
import { redTeam8Reuse, type RedTeam8ReuseKind } from './redteam8-reuse'
import { redTeam8Cost, type RedTeam8CostKind } from './redteam8-cost'
import { redTeam8Benign, type RedTeam8BenignKind } from './redteam8-benign'
import { redTeam8Networks, type RedTeam8NetworkKind } from './redteam8-networks'

/**
 * Red team, round 8 (issue #15): held-out variants written from the threat model (/work/shared/background), the event
 * contract (docs/events.md) and the simulator alone, without reading the detectors or their documentation, and run
 * once for the report. Each is what a person looking at the data would call abuse, or clearly benign. This round
 * aims at new variants of the held-out grader's categories: attacks in a low-traffic feature, spread over tenants,
 * hidden in a benign event (a release, a marketing push), mixing lockstep with filler, ramping slowly.
 *
 * This file: bombing.
 * - `rt8_bomb_caption_tiles`: bombing in a low-traffic feature on a dear model. 4 of the fitness app's users (existing
 *   installs, their own phones and networks, attestation passing) found that its "caption your meal photo" feature
 *   (image_caption, gpt-4o, a fifth of the app's calls, sizes that hardly vary) takes any image at full resolution:
 *   a script feeds it photographed document pages to transcribe, so every call's context is a page's image tiles,
 *   4-6x the feature's median (2.8k-4.2k tokens), and the answer a transcription (400-800 tokens, 3-7x the usual
 *   caption), 2-3 calls a minute each, for the whole frame, on top of their ordinary use of the app. A person would
 *   call it abuse: a meal-photo feature used as a free document-OCR service on gpt-4o, nonstop, every call several
 *   times the feature's size. `installs` 2 is the "half of it" case.
 * - `rt8_bomb_spread_tenants`: bombing spread over tenants, each install moderately elevated. An "AI unlocker" module
 *   (an Xposed hook sold on a forum) removes the apps' client-side input limits and hides itself from attestation
 *   (it slips one check in ten: `hooking_framework`, retried). 30 buyers (existing installs, 10 on each of 3 tenants,
 *   their own phones, carriers and versions) use it to push whole documents through each app's chat: every chat call
 *   they send is 2.5-3x the feature's median context (±20 %), 1-1.5 calls a minute, sustained for the frame, on top
 *   of their ordinary use. No install is extreme and no tenant sees more than 10; a person would still call each one
 *   abuse: a tampered app, every call oversized, nonstop for half an hour.
 * Bombing and a farm hidden in benign events: redteam8-cover.ts; farms: redteam8-farms.ts; streams:
 * redteam8-streams.ts; token reuse: redteam8-reuse.ts; cost: redteam8-cost.ts; look-alikes: redteam8-benign.ts and
 * redteam8-networks.ts.
 */
export type RedTeam8Kind =
  | 'rt8_bomb_caption_tiles'
  | 'rt8_bomb_spread_tenants'
  | RedTeam8CoverKind
  | RedTeam8FarmKind
  | RedTeam8StreamKind
  | RedTeam8ReuseKind
  | RedTeam8CostKind
  | RedTeam8BenignKind
  | RedTeam8NetworkKind

function captionTiles(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).map((inst) => ({ inst, next: f.start + rng.int(MIN), perMinute: 2 + rng.next() }))
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt8_bomb_caption_tiles', context_factor: '4-6' }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      poissonCalls(b, b.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const size = { context: p.ctx * r.uniform(4, 6), completion: r.uniform(400, 800) }
        sendCall(sink, r, open, b.inst, ts, feature, size, f.end)
      })
  })
}

const HOOKED: AttestationReason[] = ['hooking_framework']

function spreadTenants(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant && t.features.some((x) => x.name === 'chat_assistant'))
  const tenants = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const perTenant = Math.max(1, Math.round((f.s.installs ?? 30) / tenants.length))
  const buyers = tenants.flatMap((t) =>
    recruitFrom(ctx, t, perTenant, rng).map((inst: Install) => ({
      inst,
      chat: t.features.find((x) => x.name === 'chat_assistant')!,
      next: f.start + rng.int(2 * MIN),
      perMinute: 1 + 0.5 * rng.next(),
      factor: 2.5 + 0.5 * rng.next(),
    })),
  )
  const installs = buyers.map((b) => b.inst)
  const detail = { feature: 'chat_assistant', kind: 'rt8_bomb_spread_tenants', context_factor: '2.5-3', tenants: tenants.map((t) => t.id) }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of buyers)
      poissonCalls(b, b.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const p = profileOf(b.chat.name)
        const size = { context: p.ctx * b.factor * Math.exp(r.uniform(-0.2, 0.2)), completion: clamp(r.lognormal(p.out, p.outSigma), 8, 4096) }
        gatedCall(sink, r, open, b.inst, ts, b.chat, size, f.end, 0.1, HOOKED)
      })
  })
}

export function redTeam8Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam8Kind): Scenario {
  if (kind === 'rt8_bomb_caption_tiles') return captionTiles(ctx, f)
  if (kind === 'rt8_bomb_spread_tenants') return spreadTenants(ctx, f)
  if (kind === 'rt8_bomb_release_cover' || kind === 'rt8_farm_push_cover') return redTeam8Cover(ctx, f, kind)
  if (kind.startsWith('rt8_farm_')) return redTeam8Farm(ctx, f, kind as RedTeam8FarmKind)
  if (kind.startsWith('rt8_stream_')) return redTeam8Streams(ctx, f, kind as RedTeam8StreamKind)
  if (kind.startsWith('rt8_reuse_')) return redTeam8Reuse(ctx, f, kind as RedTeam8ReuseKind)
  if (kind.startsWith('rt8_cost_')) return redTeam8Cost(ctx, f, kind as RedTeam8CostKind)
  if (kind === 'rt8_benign_private_relay' || kind === 'rt8_benign_clock_skew' || kind === 'rt8_benign_office_nat') return redTeam8Networks(ctx, f, kind)
  return redTeam8Benign(ctx, f, kind as RedTeam8BenignKind)
}
