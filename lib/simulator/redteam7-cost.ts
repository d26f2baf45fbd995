import type { Install } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'
import { withStreams, type HeldStream } from './redteam-streams'
import { sendCall } from './redteam5-calls'

/**
 * Red team, round 7 (families-redteam7.ts): cost, written from the threat model ("AI supply chain & third-party
 * dependency risks"; "a bad release silently doubles spend") before the cost detector was run on them.
 *
 * - `rt7_cost_sdk_freeride`: a third-party SDK bundled in the tenant's latest app version is compromised: in a
 *   background task it sends the SDK vendor's own documents through the app's summarize route (free compute on the
 *   tenant's bill). `installShare` (default 50 %) of the installs on that version each send one hidden summarize call
 *   every 2-4 minutes whether or not their user is in the app, with the genuine app's token, 3k-5k tokens in (the
 *   vendor's documents) and 350-500 out. Each install's hidden calls are few and unremarkable; in the eval's case
 *   the version's summarize calls more than double and the feature's spend is ~2.5x for as long as it runs (~1.6x
 *   at a quarter of the installs), all of it on that version. The label is the feature (the
 *   installs are victims, not attackers). `installShare` 0.25 is the "half of it" case.
 * - `rt7_cost_runaway_tail`: a release of the chat feature ships a broken stop sequence: most answers are as before,
 *   but `installShare` (default 12 %) of them never stop and run to the 4,096-token output cap (a repetition loop,
 *   streamed at the usual speed). The median answer, the prompts and the call rates are unchanged; only the tail is
 *   new, and on gpt-4o-mini (output 4x the input price) it is ~1.8x the feature's cost per request on the new version.
 *   70 % of the tenant's installs upgrade, each after an exponential delay (mean 6 min).
 */
export type RedTeam7CostKind = 'rt7_cost_sdk_freeride' | 'rt7_cost_runaway_tail'

/** A hash of the call's time and install decides (no draw from the ordinary traffic's rng): true for `share` of calls. */
const picked = (ts: number, index: number, share: number) => (Math.imul((ts + index * 7_919) % 1_000_003, 2654435761) >>> 0) % 1000 < share * 1000

function sdkFreeride(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === (f.s.feature ?? 'summarize')) ?? featureOf(f)
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const share = f.s.installShare ?? 0.5
  const carriers = ctx.pop.installs
    .filter((i) => i.tenant === f.tenant && i.appVersion === latest && !ctx.taken.has(i.id) && rng.chance(share))
    .map((inst) => ({ inst, next: f.start + rng.int(4 * MIN) }))
  const open: HeldStream[] = []
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, `${feature.name}/${latest}`, { kind: 'rt7_cost_sdk_freeride', install_share: share, installs: carriers.length })],
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const c of carriers)
        while (c.next < Math.min(t1, f.end)) {
          const ts = Math.max(t0, c.next)
          c.next = ts + 2 * MIN + r.int(2 * MIN)
          sendCall(sink, r, open, c.inst, ts, feature, { context: r.uniform(3_000, 5_000), completion: r.uniform(350, 500) }, f.end)
        }
    }),
  }
}

function runawayTail(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const share = f.s.installShare ?? 0.12
  const previous = f.tenant.versions[f.tenant.versions.length - 1]
  const [major, minor] = previous.split('.').map(Number)
  const release = `${major}.${minor + 1}.0`
  const upgradeAt = new Map<Install, number>()
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && rng.chance(0.7)) upgradeAt.set(inst, f.start + rng.exponential(6 * MIN))
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('cost_spike', f, `${feature.name}/${release}`, { kind: 'rt7_cost_runaway_tail', previous_version: previous, runaway_share: share })],
    hook: {
      // Installs recruited by other scenarios keep their version.
      appVersion: (inst, version, ts) => (ts >= (upgradeAt.get(inst) ?? Infinity) && !ctx.taken.has(inst.id) ? release : version),
      contextFactor: () => 1,
      // A runaway answer: any factor this large reaches the 4,096-token cap (normalCall clamps it there).
      completionFactor: (inst, name, version, ts) => (version === release && name === feature.name && ts < f.end && picked(ts, inst.index, share) ? 1_000 : 1),
    },
    tick() {},
  }
}

export function redTeam7Cost(ctx: ScenarioContext, f: Frame, kind: RedTeam7CostKind): Scenario {
  return kind === 'rt7_cost_sdk_freeride' ? sdkFreeride(ctx, f) : runawayTail(ctx, f)
}
