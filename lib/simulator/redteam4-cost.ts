import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'

/**
 * Red team, round 4 (families-redteam4.ts): cost, written from the threat model ("any change in cost per request or
 * spend of a tenant, feature, model or app version") before the cost detector was run on them.
 *
 * - `rt4_cost_creep`: a feature's request context creeps up, 1x to 2x (`contextFactor`) linearly over 60 min, then stays, for
 *   every install of the tenant (a retrieval index whose documents keep growing, a prompt template appended to by a
 *   server job): no minute differs much from the one before, no release marks it.
 * - `rt4_cost_volume`: one feature's calls x3 from the tenant's existing installs, every version (a remotely flipped
 *   flag that prefetches the feature twice per screen): each call is ordinary, only their number grows.
 */
export type RedTeam4CostKind = 'rt4_cost_creep' | 'rt4_cost_volume'

/**
 * Creep: how long the context takes to reach its factor, and the factor by default. A context factor is not a cost
 * factor: chat on gpt-4o-mini bills output at 4x the input price, so 2x the context is ~1.4x the cost per request and
 * 3.3x (`contextFactor`) is ~2x.
 */
const CREEP_MS = 60 * MIN
const CREEP_TO = 2

export function redTeam4Cost(ctx: ScenarioContext, f: Frame, kind: RedTeam4CostKind): Scenario {
  const feature = featureOf(f)
  const mine = (tenant: unknown, id: string, name: string, ts: number) =>
    tenant === f.tenant && name === feature.name && !ctx.taken.has(id) && ts >= f.start && ts < f.end
  const creepTo = f.s.contextFactor ?? CREEP_TO
  if (kind === 'rt4_cost_creep')
    return {
      name: 'cost_spike',
      startMs: f.start,
      endMs: f.end,
      labels: [featureLabel('cost_spike', f, `${feature.name}/*`, { kind, context_from: 1, context_to: creepTo, over_min: CREEP_MS / MIN })],
      hook: {
        appVersion: (_i, v) => v,
        contextFactor: (inst, name, _v, ts) => (mine(inst.tenant, inst.id, name, ts) ? 1 + (creepTo - 1) * Math.min(1, (ts - f.start) / CREEP_MS) : 1),
      },
      tick() {},
    }
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, `${feature.name}/*`, { kind, calls_factor: 3 })],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      repeat: (inst, name, _v, ts) => (mine(inst.tenant, inst.id, name, ts) ? 2 : 0),
    },
    tick() {},
  }
}
