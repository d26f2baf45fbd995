import type { GroundTruthLabel } from './labels'
import { consumerDevice, residentialNetwork } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, type Frame } from './family-frame'
import { plainCall } from './redteam4-calls'

/**
 * Prompt bombing with one huge request per install id (issue #15, written from the threat model before any detector
 * was changed for it), and its benign look-alike.
 *
 * `huge_one_per_id`: an attacker rotating install ids to the extreme. Every 20-60 s a fresh id appears (a fresh
 * device fingerprint, a residential /24 of its own), sends ONE request of 20-100x the feature's median context
 * (log-uniform; a quarter of the ids send a second one 5-40 s later) and is never seen again. No id has a past, a
 * sibling on its device or network, or a second minute: the per-install tests never score one request (a user
 * pasting one long document), and the trait groups have nothing shared to pool.
 *
 * `huge_benign_pastes`: honest users of one feature pasting long documents: about 1.5 % of the feature's ordinary
 * requests (every install of the tenant, at its usual rate) carry 20-60x the median context, from the start of the
 * history (a product where this is normal), so nothing in the frame differs from the feature's own past.
 */
export type HugeRequestKind = 'huge_one_per_id' | 'huge_benign_pastes'

function oneHugePerId(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const lo = (f.s.contextFactor ?? 20) as number
  const hi = lo * 5
  const calls: { ts: number; inst: ReturnType<typeof freshInstall>; context: number }[] = []
  const labels: GroundTruthLabel[] = []
  for (let t = f.start + rng.int(20_000); t < f.end; t += 20_000 + rng.int(40_000)) {
    const country = f.tenant.countries[0][0]
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { ...residentialNetwork(rng, country), country },
      { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) },
    )
    const times = [t]
    if (rng.chance(0.25)) times.push(t + 5_000 + rng.int(35_000))
    for (const ts of times) calls.push({ ts, inst, context: Math.round(p.ctx * Math.exp(rng.uniform(Math.log(lo), Math.log(hi)))) })
    labels.push({
      scenario: 'prompt_bomber',
      kind: 'install',
      subject: inst.id,
      tenant_id: f.tenant.id,
      start_ms: t,
      end_ms: Math.min(f.end, times[times.length - 1] + MIN),
      detail: { feature: feature.name, kind: 'huge_one_per_id' },
    })
  }
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, r, t0, t1) {
      for (const c of calls)
        if (c.ts >= t0 && c.ts < t1 && c.ts < f.end) plainCall(sink, r, c.inst, c.ts, feature, c.context, Math.round(r.lognormal(p.out, p.outSigma)))
    },
  }
}

function benignPastes(_ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const share = f.s.oversizedShare ?? 0.015
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    // Every install of the tenant may paste; none is an attacker, so any alert on the tenant is false.
    labels: [],
    hook: {
      appVersion: (_inst, version) => version,
      contextFactor: (inst, name, _v, ts) =>
        inst.tenant === f.tenant && name === feature.name && ts >= f.start && ts < f.end && rng.chance(share)
          ? Math.exp(rng.uniform(Math.log(20), Math.log(60)))
          : 1,
    },
    tick() {},
  }
}

export function hugeRequestScenario(ctx: ScenarioContext, f: Frame, kind: HugeRequestKind): Scenario {
  return kind === 'huge_one_per_id' ? oneHugePerId(ctx, f) : benignPastes(ctx, f)
}
