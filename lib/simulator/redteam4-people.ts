import type { Install, Platform, Tenant } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { normalCall, normalVerdict, refreshToken } from './traffic'
import { MIN, freshInstall, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'

/** Red team round 4's look-alikes made of people (redteam4-benign.ts): who they are, and how they call. */
export interface Person {
  inst: Install
  joinAt: number
  perMinute: number
}

/** Ordinary calls of these people: the first at their join, then Poisson at their rate, features by the tenant's weights. */
export function humanTick(people: Person[], f: Frame): Scenario['tick'] {
  return (sink, r, t0, t1) => {
    for (const a of people) {
      const from = Math.max(t0, a.joinAt)
      const to = Math.min(t1, f.end)
      if (to <= from) continue
      const times = a.joinAt >= t0 && a.joinAt < t1 ? [a.joinAt] : []
      const n = r.poisson((a.perMinute * (to - from)) / MIN)
      for (let k = 0; k < n; k++) times.push(from + r.int(to - from))
      for (const ts of times) {
        const spec = weightedPick(
          r,
          a.inst.tenant.features.map((x) => [x, x.weight] as const),
        )
        refreshToken(sink, r, a.inst, a.inst.appVersion, ts, normalVerdict, spec.name)
        normalCall(sink, r, a.inst, a.inst.appVersion, ts, spec)
      }
    }
  }
}

/** A user of the tenant drawn as its population is: a country and platform by its weights, a carrier /24 and a phone there, a version by its weights. */
export function tenantUser(rng: Rng, tenant: Tenant, known: Set<string>): Install {
  const country = weightedPick(rng, tenant.countries)
  const platform: Platform = rng.chance(tenant.iosShare) ? 'ios' : 'android'
  const inst = freshInstall(
    rng,
    tenant,
    known,
    { ...residentialNetwork(rng, country), country },
    { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) },
  )
  inst.platform = platform
  inst.appVersion = weightedPick(
    rng,
    tenant.versions.map((v, k) => [v, tenant.versionWeights[k]] as const),
  )
  return inst
}

/**
 * A marketing push to lapsed users (`rt4_benign_push_dormant`): users of the tenant who used the app early in the
 * history and went quiet open the notification within minutes of each other, on their own phones and carriers.
 */
export function pushToDormant(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  // Drawn as the tenant's users are (population.ts): not recruited, since the ordinary traffic keeps recruits calling.
  const people: Person[] = Array.from({ length: f.s.installs ?? 200 }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    return { inst, joinAt: f.start + Math.round(Math.min(15 * MIN, rng.exponential(3 * MIN))), perMinute: 0.3 + rng.next() }
  })
  // Their last use: 1-3 calls within the history's first 20 minutes (tests/eval/family-case.ts HISTORY is 40).
  const early = people.map(() => Array.from({ length: 1 + rng.int(3) }, () => f.start - 38 * MIN + rng.int(20 * MIN)))
  const lapsed: Person[] = early.flatMap((times, k) => times.map((t) => ({ inst: people[k].inst, joinAt: t, perMinute: 0 })))
  const woken = humanTick(people, f)
  const before = humanTick(lapsed, { ...f, end: f.start })
  const installs = people.map((p) => p.inst)
  return installScenario('benign', f, installs, { kind: 'rt4_benign_push_dormant' }, (sink, r, t0, t1) => {
    before(sink, r, t0, t1)
    woken(sink, r, t0, t1)
  })
}
