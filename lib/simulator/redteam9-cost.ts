import type { Install } from './population'
import { clamp } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'
import { nextVersion } from './families-release'
import { bucketOf, callHash } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): cost, written from the threat model ("a bad release silently doubles
 * spend"; "risky updates with limited transparency") before the cost detector was run on them.
 *
 * - `rt9_cost_completion_creep`: a release whose cost grows after it ships rather than at once. The fitness app's new
 *   version gives its chat "memory": the system prompt asks the model to end each answer with a recap of what it
 *   knows about the user, and the recap grows as the memory fills. On an install that upgraded, its chat answers are
 *   at first as long as before and grow linearly to `completionFactor` (default 2.5) times their usual length over
 *   30 minutes of use of the new version, then stay there (capped at 4,096 tokens). Prompts, models, call rates
 *   unchanged. 70 % of the tenant's installs upgrade, each after an exponential delay (mean 6 min). On gpt-4o-mini
 *   (output 4x the input price) 2.5x the answer is ~1.9x the cost per chat request; no minute differs much from the
 *   one before. `completionFactor` 1.75 (~1.45x the cost per request) is the "half of it" case.
 * - `rt9_cost_reasoning_model`: an experiment moves half of the travel app's installs (a hash of the install id) from
 *   claude-haiku-4 to o4-mini for chat, for "smarter answers", from the frame's start. o4-mini is about the same
 *   price per token (1.1/4.4 against 1/5 USD per million), but it is a reasoning model: the provider bills its hidden
 *   reasoning as output, so the same visible answer costs 3-6x its output tokens (capped at 4,096). The calls,
 *   prompts and installs are unchanged; the experiment's chat calls cost ~2.9x, the feature's spend ~1.9x. A person
 *   would call it a cost anomaly: a feature's spend nearly doubled by a model switch nobody priced.
 */
export type RedTeam9CostKind = 'rt9_cost_completion_creep' | 'rt9_cost_reasoning_model'

/** How long an install's recap takes to reach its full length. */
const CREEP_MS = 30 * MIN

function completionCreep(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const release = nextVersion(f)
  const previous = f.tenant.versions[f.tenant.versions.length - 1]
  const factor = f.s.completionFactor ?? 2.5
  const upgradeAt = new Map<Install, number>()
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && rng.chance(0.7)) upgradeAt.set(inst, f.start + rng.exponential(6 * MIN))
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [
      featureLabel('cost_spike', f, `${feature.name}/${release}`, { kind: 'rt9_cost_completion_creep', previous_version: previous, completion_factor: factor }),
    ],
    hook: {
      // Installs recruited by other scenarios keep their version.
      appVersion: (inst, version, ts) => (ts >= (upgradeAt.get(inst) ?? Infinity) && !ctx.taken.has(inst.id) ? release : version),
      contextFactor: () => 1,
      completionFactor: (inst, name, version, ts) => {
        if (version !== release || name !== feature.name || ts >= f.end) return 1
        const since = ts - (upgradeAt.get(inst) ?? ts)
        return 1 + (factor - 1) * clamp(since / CREEP_MS, 0, 1)
      },
    },
    tick() {},
  }
}

const REASONING_MODEL = 'o4-mini'

function reasoningModel(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const share = f.s.installShare ?? 0.5
  const inVariant = (inst: Install, name: string, ts: number) =>
    inst.tenant === f.tenant && name === feature.name && ts >= f.start && ts < f.end && !ctx.taken.has(inst.id) && bucketOf('rt9-reasoning', inst.id) < share
  return {
    name: 'model_shift',
    startMs: f.start,
    endMs: f.end,
    labels: [
      featureLabel('model_shift', f, `${feature.name}/*`, {
        kind: 'rt9_cost_reasoning_model',
        from: feature.model,
        to: REASONING_MODEL,
        share,
        reasoning_factor: '3-6',
      }),
    ],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) => (inst.index >= 0 && inVariant(inst, name, ts) ? REASONING_MODEL : model),
      // The hidden reasoning, billed as output: 3-6x the visible answer's tokens (a hash of the call, no draw).
      completionFactor: (inst, name, _version, ts) => (inst.index >= 0 && inVariant(inst, name, ts) ? 3 + 3 * callHash(ts, inst.index) : 1),
    },
    tick() {},
  }
}

export function redTeam9Cost(ctx: ScenarioContext, f: Frame, kind: RedTeam9CostKind): Scenario {
  return kind === 'rt9_cost_completion_creep' ? completionCreep(ctx, f) : reasoningModel(ctx, f)
}
