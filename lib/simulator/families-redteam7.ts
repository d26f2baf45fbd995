import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { clamp, shuffle } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { sendCall } from './redteam5-calls'
import { redTeam7Farm, type RedTeam7FarmKind } from './redteam7-farms'
import { redTeam7Streams, type RedTeam7StreamKind } from './redteam7-streams'
import { redTeam7Reuse, type RedTeam7ReuseKind } from './redteam7-reuse'
import { redTeam7Cost, type RedTeam7CostKind } from './redteam7-cost'
import { redTeam7Benign, type RedTeam7BenignKind } from './redteam7-benign'
import { redTeam7Networks, type RedTeam7NetworkKind } from './redteam7-networks'

/**
 * Red team, round 7 (issue #15): held-out variants written from the threat model (/work/shared/background), the event
 * contract (docs/events.md) and the simulator alone, without reading the detectors or their documentation, and run
 * once for the report. Each is what a person looking at the data would call abuse, or clearly benign.
 *
 * This file: bombing.
 * - `rt7_bomb_stuffed_history`: 4 of the tenant's users (existing installs, their own phones and networks, attestation
 *   passing) run a script that stuffs the chat conversation: every turn pastes another 1,000-2,000-token chunk of a
 *   document into the same conversation, so the context the app re-sends grows turn by turn (1x, then +1-2k a turn)
 *   for 10-14 turns, about 2 turns a minute, then a new conversation starts at 1x and grows again (a saw-tooth: the
 *   median of any window is 10-15x the feature's, the first turns of each conversation are ordinary). No turn is read:
 *   the next follows 15-30 s after the answer. A person would call it abuse: nonstop, scripted, every conversation
 *   ballooning to 15-30k tokens, for the whole frame. `installs` 2 is the "half of it" case.
 * - `rt7_bomb_cross_app`: one operator, one phone, several apps: Burnrate's gateway serves several tenants, and the
 *   operator installs 4 of their apps (every tenant with a chat feature, the frame's tenant first) on one rooted but
 *   hidden phone (attestation passes), and bombs each app's chat at 4x its median context, 1.5 calls a minute per
 *   app. Each app sees one new install at a moderate rate; across apps it is one device fingerprint, one home /24,
 *   6 calls a minute at 4x. A person would call each of the 4 installs an attacker (every call 4x, nonstop, a phone
 *   that does the same in 4 apps at once).
 * Farms: redteam7-farms.ts; streams: redteam7-streams.ts; token reuse: redteam7-reuse.ts; cost: redteam7-cost.ts;
 * look-alikes: redteam7-benign.ts and redteam7-networks.ts.
 */
export type RedTeam7Kind =
  | 'rt7_bomb_stuffed_history'
  | 'rt7_bomb_cross_app'
  | RedTeam7FarmKind
  | RedTeam7StreamKind
  | RedTeam7ReuseKind
  | RedTeam7CostKind
  | RedTeam7BenignKind
  | RedTeam7NetworkKind

/** One stuffed conversation: how many turns, and the chunk pasted per turn (tokens). */
const TURNS = [10, 14] as const
const CHUNK = [1_000, 2_000] as const

function stuffedHistory(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).map((inst) => ({
    inst,
    next: f.start + rng.int(MIN),
    context: 0,
    turnsLeft: 0,
  }))
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt7_bomb_stuffed_history', chunk_tokens: `${CHUNK[0]}-${CHUNK[1]}` }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      while (b.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, b.next)
        if (b.turnsLeft === 0) {
          // A new conversation: the system prompt and a first question of the usual size.
          b.context = r.lognormal(p.ctx, p.ctxSigma)
          b.turnsLeft = TURNS[0] + r.int(TURNS[1] - TURNS[0] + 1)
        } else b.context += r.uniform(CHUNK[0], CHUNK[1]) + clamp(r.lognormal(p.out, p.outSigma), 8, 4096)
        b.turnsLeft--
        const completion = clamp(r.lognormal(p.out, p.outSigma), 8, 4096)
        // The answer streams (~1-6 s), then the script pastes the next chunk 15-30 s later.
        b.next = ts + Math.round(600 + (completion / 50) * 1000 + r.uniform(15_000, 30_000))
        sendCall(sink, r, open, b.inst, ts, feature, { context: b.context, completion }, f.end)
      }
  })
}

function crossApp(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const apps = ctx.pop.tenants.filter((t) => t !== f.tenant && t.features.some((x) => x.name === 'chat_assistant'))
  const tenants = [f.tenant, ...shuffle(rng, apps).slice(0, (f.s.installs ?? 4) - 1)]
  // The one phone and the one home line every app sees.
  const country = f.tenant.countries[0][0]
  const net = { ...residentialNetwork(rng, country), country }
  const device = { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) }
  const factor = f.s.contextFactor ?? 4
  const perMinute = f.s.perMinute ?? 1.5
  const bombers = tenants.map((t) => {
    const inst: Install = freshInstall(rng, t, known, net, device)
    return { inst, feature: t.features.find((x) => x.name === 'chat_assistant')!, next: f.start + rng.int(2 * MIN) }
  })
  const installs = bombers.map((b) => b.inst)
  const detail = {
    feature: 'chat_assistant',
    kind: 'rt7_bomb_cross_app',
    context_factor: factor,
    tenants: tenants.map((t) => t.id),
    fingerprint: device.fingerprint,
  }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      poissonCalls(b, perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const p = profileOf(b.feature.name)
        const size = { context: p.ctx * factor * Math.exp(r.uniform(-0.25, 0.25)), completion: clamp(r.lognormal(p.out, p.outSigma), 8, 4096) }
        sendCall(sink, r, open, b.inst, ts, b.feature, size, f.end)
      })
  })
}

export function redTeam7Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam7Kind): Scenario {
  if (kind === 'rt7_bomb_stuffed_history') return stuffedHistory(ctx, f)
  if (kind === 'rt7_bomb_cross_app') return crossApp(ctx, f)
  if (kind.startsWith('rt7_farm_')) return redTeam7Farm(ctx, f, kind as RedTeam7FarmKind)
  if (kind.startsWith('rt7_stream_')) return redTeam7Streams(ctx, f, kind as RedTeam7StreamKind)
  if (kind.startsWith('rt7_reuse_')) return redTeam7Reuse(ctx, f, kind as RedTeam7ReuseKind)
  if (kind.startsWith('rt7_cost_')) return redTeam7Cost(ctx, f, kind as RedTeam7CostKind)
  if (kind === 'rt7_benign_dual_stack' || kind === 'rt7_benign_conference') return redTeam7Networks(ctx, f, kind)
  return redTeam7Benign(ctx, f, kind as RedTeam7BenignKind)
}
