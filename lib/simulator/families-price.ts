import type { Scenario, ScenarioContext } from './scenarios'
import { featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'

/**
 * Held-out price family (issue #15, cost: "whatever the cause: … a price
 * change"): from the frame's start the gateway bills one model `billed` times
 * the price catalog, for every call of the tenant on it (a provider's price
 * rise, traffic routed to a pricier tier, prompt-cache discounts that stop).
 * The tenant's gateway meters every call on the model (it reports the cost
 * of each, at the catalog price before the change). Calls, sizes, tokens
 * and the catalog are unchanged. The label's subject is tenant/model: the cost alert it expects
 * is on the model, not on each feature that uses it.
 */
export type PriceKind = 'cost_price_change'

export function priceScenario(ctx: ScenarioContext, f: Frame): Scenario {
  const model = f.s.model ?? featureOf(f).model
  const billed = f.s.billedFactor ?? 1.3
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, model, { kind: 'cost_price_change', model, billed_factor: billed })],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      // The tenant's gateway meters this model's calls all along (from the history on), at the catalog price until the change.
      billedFactor: (inst, m, ts) => (inst.tenant !== f.tenant || m !== model || ctx.taken.has(inst.id) ? undefined : ts >= f.start && ts < f.end ? billed : 1),
    },
    tick() {},
  }
}
