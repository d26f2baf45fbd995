import { hashString } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'

/**
 * Red team, round 8 (families-redteam8.ts): cost, written from the threat model ("a feature whose traffic shifted to
 * a pricier model", whatever the cause) before the cost detector was run on it.
 *
 * - `rt8_cost_shift_ramp`: a feature's traffic moves to a pricier model slowly, in a low-traffic feature. The travel
 *   app's product team starts an experiment ("better answers") on search_qa (a fifth of the app's calls) without a
 *   cost review: the experiment platform ramps the share of installs in the variant linearly from none at the
 *   frame's start to `installShare` (default 50 %) 20 minutes later, and holds it. An install in the variant has its
 *   search_qa calls served by gemini-2.5-pro instead of gemini-2.5-flash (the same provider, a similar name, ~4x the
 *   cost of such a call); its other features, every call's size and every rate are unchanged. The share of calls
 *   follows the share of installs only roughly (a few heavy users make many of the calls): in the eval's case about
 *   45 % of the feature's calls at the full ramp, spend ~2.4x; with `installShare` 0.25 (the "half of it" case) 15-20 %
 *   of its calls, spend ~1.5x. A person would call it a
 *   cost anomaly: a feature's spend climbing minute by minute for 20 minutes with no change in its traffic, because
 *   its calls went to a dearer model.
 */
export type RedTeam8CostKind = 'rt8_cost_shift_ramp'

export function redTeam8Cost(ctx: ScenarioContext, f: Frame, _kind: RedTeam8CostKind): Scenario {
  const feature = featureOf(f)
  const pricier = f.s.model ?? 'gemini-2.5-pro'
  const share = f.s.installShare ?? 0.5
  const rampMs = 20 * MIN
  // The experiment's bucket of each install: a hash of its id, uniform in [0, 1).
  const buckets = new Map<string, number>()
  const bucket = (id: string) => {
    let b = buckets.get(id)
    if (b === undefined) buckets.set(id, (b = (hashString(`rt8-experiment:${id}`) >>> 0) / 4_294_967_296))
    return b
  }
  const rollout = (ts: number) => share * Math.min(1, (ts - f.start) / rampMs)
  return {
    name: 'model_shift',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('model_shift', f, `${feature.name}/*`, { kind: 'rt8_cost_shift_ramp', from: feature.model, to: pricier, share, ramp_min: 20 })],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) =>
        inst.tenant === f.tenant && name === feature.name && ts >= f.start && ts < f.end && !ctx.taken.has(inst.id) && bucket(inst.id) < rollout(ts)
          ? pricier
          : model,
    },
    tick() {},
  }
}
