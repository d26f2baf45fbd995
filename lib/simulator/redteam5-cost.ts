import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'
import { nextVersion } from './families-release'

/**
 * Red team, round 5 (families-redteam5.ts): cost, written from the threat model ("a bad release silently doubles
 * spend") before the cost detector was run on it.
 *
 * - `rt5_cost_verbose_release`: a release changes the chat feature's system prompt (a safety preamble, "answer step
 *   by step") and its answers come back twice as long (`completionFactor`, default 2; capped at the 4,096-token
 *   output limit). Prompts, models, call rates and installs are unchanged: only the output tokens of the new version
 *   grow. 70 % of the tenant's installs upgrade, each after an exponential delay (mean 8 min). Output is the dearer
 *   side (4-5x the input price), so 2x the answer is ~1.6x the cost per chat request at the usual sizes.
 */
export type RedTeam5CostKind = 'rt5_cost_verbose_release'

const ADOPTION = 0.7
const ADOPTION_MEAN_MS = 8 * MIN

export function redTeam5Cost(ctx: ScenarioContext, f: Frame, kind: RedTeam5CostKind): Scenario {
  const feature = featureOf(f)
  const release = nextVersion(f)
  const factor = f.s.completionFactor ?? 2
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && f.rng.chance(ADOPTION)) upgradeAt[inst.index] = f.start + f.rng.exponential(ADOPTION_MEAN_MS)
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, `${feature.name}/${release}`, { kind, completion_factor: factor, install_share: ADOPTION })],
    hook: {
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
      contextFactor: () => 1,
      // Only inside the labelled window: the new version's chat answers, nothing else.
      completionFactor: (_inst, name, version, ts) => (version === release && name === feature.name && ts >= f.start && ts < f.end ? factor : 1),
    },
    tick() {},
  }
}
