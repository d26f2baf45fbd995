import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { normalCall, normalVerdict, refreshToken } from './traffic'
import { MIN, featureOf, freshInstall, type Frame } from './family-frame'
import { featureLabel, installLabels } from './scenario-frame'

/**
 * Held-out release families (issue #15, cost: "a bad release silently doubles
 * spend"), written from the threat model before the cost detector was run on
 * them. A release is a new app version that installs of one tenant move to
 * over the frame (a store rollout: each adopter upgrades at an exponential
 * delay), alongside the ordinary traffic.
 *
 * - `cost_release_volume`: the new version fires one feature's call twice (a
 *   retry loop, a double-fired request): `repeatShare` of its calls are sent
 *   again 0.2-3 s later, same sizes. Cost per request is unchanged; the
 *   feature's spend grows with adoption.
 * - `benign_early_adopters`: an honest release whose first adopters are the
 *   heaviest users (they open the app, and the store, most), and a burst of new
 *   installs that arrive on it. Calls per install are unchanged: must raise nothing.
 */
export type ReleaseKind = 'cost_release_volume' | 'benign_early_adopters'

/** The version after the tenant's newest: what a release ships as. */
export function nextVersion(f: Frame): string {
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const [major, minor] = latest.split('.').map(Number)
  return `${major}.${minor + 1}.0`
}

/** Upgrade time of every adopter (by population index); Infinity for the others. */
function rollout(ctx: ScenarioContext, f: Frame, chance: (inst: Install) => number): Float64Array {
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && f.rng.chance(chance(inst))) upgradeAt[inst.index] = f.start + f.rng.exponential(8 * MIN)
  return upgradeAt
}

export function releaseScenario(ctx: ScenarioContext, f: Frame, kind: ReleaseKind): Scenario {
  const feature = featureOf(f)
  const release = nextVersion(f)
  if (kind === 'cost_release_volume') {
    const share = f.s.installShare ?? 0.35
    const repeatShare = f.s.repeatShare ?? 1
    const upgradeAt = rollout(ctx, f, () => share)
    const labels: GroundTruthLabel[] = [featureLabel('cost_spike', f, `${feature.name}/${release}`, { kind, install_share: share, repeat_share: repeatShare })]
    return {
      name: 'cost_spike',
      startMs: f.start,
      endMs: f.end,
      labels,
      hook: {
        appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
        contextFactor: () => 1,
        // A hash of the call's time picks which calls are repeated at half intensity (no draw from the traffic's rng).
        repeat: (_inst, name, version, ts) =>
          version === release && name === feature.name && ts < f.end && (Math.imul(ts % 1_000_003, 2654435761) >>> 0) % 1000 < repeatShare * 1000 ? 1 : 0,
      },
      tick() {},
    }
  }
  // Heavy users first: the top fifth by activity upgrade with chance 0.8, the rest with 0.1.
  const sorted = ctx.pop.installs
    .filter((i) => i.tenant === f.tenant)
    .map((i) => i.activity)
    .sort((a, b) => a - b)
  const heavy = sorted[Math.floor(sorted.length * 0.8)] ?? Infinity
  const upgradeAt = rollout(ctx, f, (inst) => (inst.activity >= heavy ? 0.8 : 0.1))
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const newcomers = Array.from({ length: 200 }, () => {
    const inst = freshInstall(f.rng, f.tenant, known)
    inst.appVersion = release
    return { inst, perMinute: 0.3 + f.rng.next() * 0.7, joinAt: f.start + f.rng.int(10 * MIN) }
  })
  const adopters = ctx.pop.installs.filter((i) => Number.isFinite(upgradeAt[i.index]))
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('benign', f, [...adopters, ...newcomers.map((n) => n.inst)], { kind }),
    hook: {
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
      contextFactor: () => 1,
    },
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      for (const n of newcomers) {
        const from = Math.max(t0, n.joinAt)
        const to = Math.min(t1, f.end)
        if (to <= from) continue
        const calls = r.poisson((n.perMinute * (to - from)) / MIN)
        for (let k = 0; k < calls; k++) {
          const ts = from + r.int(to - from)
          const spec = f.tenant.features[r.int(f.tenant.features.length)]
          refreshToken(sink, r, n.inst, release, ts, normalVerdict, spec.name)
          normalCall(sink, r, n.inst, release, ts, spec)
        }
      }
    },
  }
}
