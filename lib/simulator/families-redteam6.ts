import { clamp, weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { redTeam6Farm, type RedTeam6FarmKind } from './redteam6-farms'
import { redTeam6Streams, type RedTeam6StreamKind } from './redteam6-streams'
import { redTeam6Reuse, type RedTeam6ReuseKind } from './redteam6-reuse'
import { redTeam6Cost, type RedTeam6CostKind } from './redteam6-cost'
import { redTeam6Benign, type RedTeam6BenignKind } from './redteam6-benign'
import { redTeam6Travel, type RedTeam6TravelKind } from './redteam6-travel'

/**
 * Red team, round 6 (issue #15): held-out variants written from the threat model (/work/shared/background), the event
 * contract (docs/events.md) and the simulator alone, without reading the detectors or their documentation, and run
 * once for the report. Each is what a person looking at the data would call abuse, or clearly benign.
 *
 * This file: bombing.
 * - `rt6_bomb_ramp`: 4 of a smaller tenant's users (existing installs with an ordinary past) turn on its lower-traffic
 *   feature (search_qa on the bank app, claude-sonnet-4): 2-3 calls a minute whose context ramps linearly from 1x to 6x the feature's median over
 *   12 minutes, then stays at 6x (`contextFactor`), while they keep using the app's other features at a person's rate
 *   (0.5 a minute). Their own phones and home networks, attestation passing: nothing but the sizes and the rate.
 * - `rt6_bomb_long_answers`: 3 installs of a tenant on a dear model (claude-sonnet-4) bomb through the output side
 *   with long streams: each keeps 2 chat streams going (the next opened 2-10 s after one ends), a 2.5x context
 *   ("answer in full detail, every step, no summary") and answers at the 4,096-token output cap (3,600-4,096)
 *   streamed at 20-35 tokens a second (2-3.5 minutes each); one call in four is an ordinary one.
 * Farms: redteam6-farms.ts; streams: redteam6-streams.ts; token reuse: redteam6-reuse.ts; cost: redteam6-cost.ts;
 * look-alikes: redteam6-benign.ts and redteam6-travel.ts.
 */
export type RedTeam6Kind =
  | 'rt6_bomb_ramp'
  | 'rt6_bomb_long_answers'
  | RedTeam6FarmKind
  | RedTeam6StreamKind
  | RedTeam6ReuseKind
  | RedTeam6CostKind
  | RedTeam6BenignKind
  | RedTeam6TravelKind

/** The ramp: how long it takes to reach its factor, and the factor by default. */
const RAMP_MS = 12 * MIN
const RAMP_TO = 6

function ramp(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const to = f.s.contextFactor ?? RAMP_TO
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).map((inst) => ({
    inst,
    perMinute: 2 + rng.next(),
    next: f.start + rng.int(MIN),
    nextOther: f.start + rng.int(2 * MIN),
  }))
  const others = f.tenant.features.filter((x) => x.name !== feature.name).map((x) => [x, x.weight] as const)
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt6_bomb_ramp', context_to: to, ramp_min: RAMP_MS / MIN }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers) {
      poissonCalls(b, b.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const factor = 1 + (to - 1) * Math.min(1, (ts - f.start) / RAMP_MS)
        const size = { context: p.ctx * factor * Math.exp(r.uniform(-0.2, 0.2)), completion: clamp(r.lognormal(p.out, p.outSigma), 8, 4096) }
        sendCall(sink, r, open, b.inst, ts, feature, size, f.end)
      })
      // Their ordinary use of the rest of the app, on top of the ordinary traffic's.
      while (others.length && b.nextOther < Math.min(t1, f.end)) {
        const ts = Math.max(t0, b.nextOther)
        b.nextOther = ts + 1 + Math.round(r.exponential(2 * MIN))
        const spec = weightedPick(r, others)
        sendCall(sink, r, open, b.inst, ts, spec, ordinarySize(r, spec), f.end)
      }
    }
  })
}

/** One long, output-heavy chat stream: a 2.5x context, an answer at the output cap, 20-35 tokens a second. */
function longAnswer(r: Rng, feature: { name: string; model: string }): { u: Usage; duration: number } {
  const p = profileOf(feature.name)
  const context = Math.round(p.ctx * 2.5 * Math.exp(r.uniform(-0.2, 0.2)))
  const completion = Math.round(r.uniform(3_600, 4_096))
  const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
  return { u, duration: Math.round(1_200 + (completion / r.uniform(20, 35)) * 1000) }
}

function longAnswers(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const atOnce = f.s.concurrent ?? 2
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 3, rng).map((inst) => ({
    inst,
    // Each of the install's stream slots: when it opens its next stream.
    slots: Array.from({ length: atOnce }, () => f.start + rng.int(90_000)),
  }))
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt6_bomb_long_answers', streams_at_once: atOnce }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      b.slots.forEach((at, k) => {
        let next = at
        while (next < Math.min(t1, f.end)) {
          const ts = Math.max(t0, next)
          if (r.chance(0.25)) {
            // An ordinary question now and then: the slot is busy for its answer, then a short pause.
            sendCall(sink, r, open, b.inst, ts, feature, ordinarySize(r, feature), f.end)
            next = ts + 10_000 + r.int(20_000)
            continue
          }
          const { u, duration } = longAnswer(r, feature)
          next = ts + duration + 2_000 + r.int(8_000)
          if (ts + duration >= f.end) continue
          refreshToken(sink, r, b.inst, b.inst.appVersion, ts, normalVerdict, feature.name)
          open.push({ inst: b.inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
        }
        b.slots[k] = next
      })
  })
}

export function redTeam6Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam6Kind): Scenario {
  if (kind === 'rt6_bomb_ramp') return ramp(ctx, f)
  if (kind === 'rt6_bomb_long_answers') return longAnswers(ctx, f)
  if (kind.startsWith('rt6_farm_')) return redTeam6Farm(ctx, f, kind as RedTeam6FarmKind)
  if (kind.startsWith('rt6_stream_')) return redTeam6Streams(ctx, f, kind as RedTeam6StreamKind)
  if (kind.startsWith('rt6_reuse_')) return redTeam6Reuse(ctx, f, kind as RedTeam6ReuseKind)
  if (kind.startsWith('rt6_cost_')) return redTeam6Cost(ctx, f, kind as RedTeam6CostKind)
  if (kind === 'rt6_benign_vpn' || kind === 'rt6_benign_border_train') return redTeam6Travel(ctx, f, kind)
  return redTeam6Benign(ctx, f, kind as RedTeam6BenignKind)
}
