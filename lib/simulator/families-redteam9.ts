import { clamp } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { sendCall } from './redteam5-calls'
import { upperTail } from './redteam9-calls'
import { redTeam9Farm, type RedTeam9FarmKind } from './redteam9-farms'
import { redTeam9Streams, type RedTeam9StreamKind } from './redteam9-streams'
import { redTeam9Reuse, type RedTeam9ReuseKind } from './redteam9-reuse'
import { redTeam9Cost, type RedTeam9CostKind } from './redteam9-cost'
import { redTeam9Benign, type RedTeam9BenignKind } from './redteam9-benign'
import { redTeam9Networks, type RedTeam9NetworkKind } from './redteam9-networks'

/**
 * Red team, round 9 (issue #15): held-out variants written from the threat model (/work/shared/background), the event
 * contract (docs/events.md) and the simulator alone, without reading the detectors or their documentation, and run
 * once for the report. Each is what a person looking at the data would call abuse, or clearly benign. This round
 * aims at attackers who stay inside what the feature's own users do (its size distribution, its features, its
 * streams), spread their effort, or act only together; and at look-alikes made of news, model migrations, travel
 * and networks that change under many people at once.
 *
 * This file: bombing.
 * - `rt9_bomb_upper_tail`: bombers that mimic the feature. 6 of the health app's users (existing installs, their own
 *   phones and networks, attestation passing) run a script that sends chat questions whose sizes are drawn from the
 *   feature's own distribution, but only from its upper tail: every prompt between its 90th and 99.5th percentile
 *   (2.2-4.7x the median context on claude-sonnet-4) and every answer likewise (1.8-3.2x the median answer), at
 *   2.5-3.5 calls a minute, nonstop for the frame, on top of their ordinary use. No single call is out of the
 *   feature's range; a person would still call it abuse: 75 calls in 25 minutes, every one of them of a size a real
 *   user sends once in ten or more. `installs` 3 is the "half of it" case.
 * - `rt9_bomb_all_features`: attackers who use every feature at once, each moderately. 4 of the bank app's users (existing
 *   installs, attestation passing) script all three of its features (chat on gpt-4.1, search_qa on claude-sonnet-4,
 *   summarize on gpt-4o-mini), each on its own clock at 1-1.5 calls a minute and 2-2.5x that feature's median
 *   context (± 15 %), answers of the usual size. Per feature each looks like a heavy user; per install it is 3-4.5
 *   calls a minute, every one oversized, nonstop: a person would call it abuse.
 * - `rt9_bomb_pulsed`: bombing in pulses. 4 of the fitness app's users (existing installs, attestation passing) fire
 *   a burst every 5 minutes (± 40 s, each install on its own phase): 6-9 summarize calls within 45 s, each a 4-6x
 *   context (a long document) asking for a 500-900-token answer, then nothing until the next burst. About 1.5 calls a
 *   minute on average, every one several times the feature's size: a person would call it abuse (a script on a timer).
 * Farms: redteam9-farms.ts; streams: redteam9-streams.ts; token reuse: redteam9-reuse.ts; cost: redteam9-cost.ts;
 * look-alikes: redteam9-benign.ts and redteam9-networks.ts.
 */
export type RedTeam9Kind =
  | 'rt9_bomb_upper_tail'
  | 'rt9_bomb_all_features'
  | 'rt9_bomb_pulsed'
  | RedTeam9FarmKind
  | RedTeam9StreamKind
  | RedTeam9ReuseKind
  | RedTeam9CostKind
  | RedTeam9BenignKind
  | RedTeam9NetworkKind

function upperTailBombers(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 6, rng).map((inst) => ({ inst, next: f.start + rng.int(MIN), perMinute: 2.5 + rng.next() }))
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt9_bomb_upper_tail', percentiles: '90-99.5' }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      poissonCalls(b, b.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const size = { context: upperTail(r, p.ctx, p.ctxSigma), completion: upperTail(r, p.out, p.outSigma) }
        sendCall(sink, r, open, b.inst, ts, feature, size, f.end)
      })
  })
}

function allFeatures(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  // One clock per install and feature: the script runs a loop per feature.
  const loops = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).flatMap((inst) =>
    f.tenant.features.map((spec) => ({ inst, spec, next: f.start + rng.int(MIN), perMinute: 1 + 0.5 * rng.next(), factor: 2 + 0.5 * rng.next() })),
  )
  const installs = [...new Set(loops.map((l) => l.inst))]
  const detail = { feature: 'chat_assistant', features: f.tenant.features.map((x) => x.name), kind: 'rt9_bomb_all_features', context_factor: '2-2.5' }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const l of loops)
      poissonCalls(l, l.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const p = profileOf(l.spec.name)
        const size = { context: p.ctx * l.factor * r.uniform(0.85, 1.15), completion: clamp(r.lognormal(p.out, p.outSigma), 8, 4096) }
        sendCall(sink, r, open, l.inst, ts, l.spec, size, f.end)
      })
  })
}

/** Pulses: how often, how many calls in one, over how long. */
const PULSE_EVERY = 5 * MIN
const PULSE_CALLS = [6, 9] as const
const PULSE_SPAN = 45_000

function pulsed(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).map((inst) => ({ inst, pulseAt: f.start + rng.int(3 * MIN), due: [] as number[] }))
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt9_bomb_pulsed', context_factor: '4-6', pulse_min: 5 }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers) {
      // Plan each pulse when it begins: its calls' times within PULSE_SPAN, in order.
      while (b.pulseAt < Math.min(t1, f.end)) {
        const n = PULSE_CALLS[0] + r.int(PULSE_CALLS[1] - PULSE_CALLS[0] + 1)
        const times = Array.from({ length: n }, () => b.pulseAt + r.int(PULSE_SPAN)).sort((a, c) => a - c)
        b.due.push(...times)
        b.pulseAt += PULSE_EVERY + Math.round(r.uniform(-40_000, 40_000))
      }
      while (b.due.length && b.due[0] < Math.min(t1, f.end)) {
        const ts = Math.max(t0, b.due.shift()!)
        sendCall(sink, r, open, b.inst, ts, feature, { context: p.ctx * r.uniform(4, 6), completion: r.uniform(500, 900) }, f.end)
      }
    }
  })
}

export function redTeam9Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam9Kind): Scenario {
  if (kind === 'rt9_bomb_upper_tail') return upperTailBombers(ctx, f)
  if (kind === 'rt9_bomb_all_features') return allFeatures(ctx, f)
  if (kind === 'rt9_bomb_pulsed') return pulsed(ctx, f)
  if (kind.startsWith('rt9_farm_')) return redTeam9Farm(ctx, f, kind as RedTeam9FarmKind)
  if (kind.startsWith('rt9_stream_')) return redTeam9Streams(ctx, f, kind as RedTeam9StreamKind)
  if (kind.startsWith('rt9_reuse_')) return redTeam9Reuse(ctx, f, kind as RedTeam9ReuseKind)
  if (kind.startsWith('rt9_cost_')) return redTeam9Cost(ctx, f, kind as RedTeam9CostKind)
  if (kind === 'rt9_benign_travel_esim' || kind === 'rt9_benign_cruise_ship' || kind === 'rt9_benign_carrier_renumber') return redTeam9Networks(ctx, f, kind)
  return redTeam9Benign(ctx, f, kind as RedTeam9BenignKind)
}
