import type { Scenario, ScenarioContext } from './scenarios'
import { featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'

/**
 * Red team, round 6 (families-redteam6.ts): cost, written from the threat model ("whatever the cause" of a change in
 * spend) before the cost detector was run on them. Neither comes with a release: nothing but the calls' tokens or
 * model marks them.
 *
 * - `rt6_cost_config_output`: a server-side prompt-config push (no app release) raises the summarize feature's output
 *   limit and asks for "a detailed summary": from the frame's start every summarize answer of the tenant, on every
 *   app version, is `completionFactor` times (default 3) its usual length (capped at 4,096). Prompts, calls and
 *   installs unchanged. On gemini-2.5-flash (output 8x the input price) 3x the answer is ~2x the cost per request;
 *   2x the answer (the "half of it" case) ~1.5x.
 * - `rt6_cost_fallback_stuck`: the gateway's fallback route for a low-traffic feature sticks after a blip of its
 *   cheap model's provider: 15 % of the tenant's translate calls (llama-3.1-70b) are served by claude-sonnet-4
 *   (~10x the cost of such a call) for the rest of the frame, spread evenly (the fallback takes a call when a
 *   connection of the pool is marked bad). The feature's spend about 2.3x; call counts and sizes unchanged.
 */
export type RedTeam6CostKind = 'rt6_cost_config_output' | 'rt6_cost_fallback_stuck'

const FALLBACK_MODEL = 'claude-sonnet-4'
const FALLBACK_SHARE = 0.15

/** A hash of the call's time decides (no draw from the ordinary traffic's rng): true for `share` of calls. */
const picked = (ts: number, share: number) => (Math.imul(ts % 1_000_003, 2654435761) >>> 0) % 1000 < share * 1000

export function redTeam6Cost(ctx: ScenarioContext, f: Frame, kind: RedTeam6CostKind): Scenario {
  const feature = featureOf(f)
  const mine = (tenant: unknown, id: string, name: string, ts: number) =>
    tenant === f.tenant && name === feature.name && !ctx.taken.has(id) && ts >= f.start && ts < f.end
  if (kind === 'rt6_cost_config_output') {
    const factor = f.s.completionFactor ?? 3
    return {
      name: 'cost_spike',
      startMs: f.start,
      endMs: f.end,
      labels: [featureLabel('cost_spike', f, `${feature.name}/*`, { kind, completion_factor: factor })],
      hook: {
        appVersion: (_i, v) => v,
        contextFactor: () => 1,
        completionFactor: (inst, name, _v, ts) => (mine(inst.tenant, inst.id, name, ts) ? factor : 1),
      },
      tick() {},
    }
  }
  const share = f.s.installShare ?? FALLBACK_SHARE
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, `${feature.name}/*`, { kind, from: feature.model, to: FALLBACK_MODEL, share })],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) => (mine(inst.tenant, inst.id, name, ts) && picked(ts, share) ? FALLBACK_MODEL : model),
    },
    tick() {},
  }
}
