import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { installScenario, withStreams, type HeldStream } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 5 (families-redteam5.ts): a farm, zombie streams and a stolen token, written from the threat model
 * before the detectors were run on them.
 *
 * - `rt5_farm_three_hosts`: 80 emulated installs joining over 5 minutes, spread over 3 hosting providers none of the
 *   earlier rounds used (4 /24s each), 4 spoofed phone builds with a fingerprint per install, the tenant's released
 *   app versions in its own mix, attestation passing. Each member calls on its own clock, 4-6 times a minute (a
 *   person averages under one), every gap 60-140 % of its mean (jittered, never lockstep), ordinary-sized calls.
 * - `rt5_zombie_one_each`: 8 of the tenant's installs each open ONE chat stream within the same 3 minutes and hold it
 *   20-40 minutes while it sends a token every 20-50 s (just under a 60 s idle limit): nearly no output, the
 *   connection and the token kept alive ("long-lived AI streams keep auth valid longer").
 * - `rt5_reuse_proxy_abroad`: 2 stolen tokens replayed from another country through a residential proxy pool
 *   (home-carrier exits that change every 2-6 min, a sticky session each), 2 calls a minute, while the owner keeps
 *   using the app at home at a low rate. The thief never attests (only the owner's app can): it replays the token the
 *   owner's app refreshes.
 */
export type RedTeam5AttackKind = 'rt5_farm_three_hosts' | 'rt5_zombie_one_each' | 'rt5_reuse_proxy_abroad'

/** Hosting providers none of the earlier farms used: [asn, country, first octets]. */
const HOSTS: [number, string, number[]][] = [
  [31898, 'US', [129, 132, 150]], // Oracle Cloud
  [12876, 'FR', [62, 163, 212]], // Scaleway
  [45102, 'SG', [8, 47, 149]], // Alibaba Cloud
]

/** Countries with carriers in population.ts a thief's proxy pool may exit in. */
const PROXY_COUNTRIES = ['BR', 'IN', 'ES', 'NL', 'JP', 'AU', 'FR', 'DE', 'GB', 'MX', 'CA', 'US']

function farm(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const subnets = HOSTS.flatMap(([asn, country, first]) =>
    Array.from({ length: 4 }, () => ({ asn, country, ipPrefix: `${rng.pick(first)}.${rng.int(256)}.${rng.int(256)}.0/24` })),
  )
  const builds = Array.from({ length: 4 }, () => consumerDevice(rng, 'android'))
  const count = f.s.installs ?? 80
  const members = Array.from({ length: count }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(subnets), { ...rng.pick(builds), fingerprint: rng.hex(32) })
    inst.appVersion = weightedPick(
      rng,
      f.tenant.versions.map((v, k) => [v, f.tenant.versionWeights[k]] as const),
    )
    const createdAt = f.start + rng.int(5 * MIN)
    return { inst, createdAt, perMinute: f.s.perMinute ?? 4 + 2 * rng.next(), next: createdAt }
  })
  const cluster = `${f.tenant.id}:rt5-farm-${rng.hex(6)}`
  const open: HeldStream[] = []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels: farmLabels(members, cluster, f, { installs: count, kind: 'rt5_farm_three_hosts', asns: HOSTS.map((h) => String(h[0])) }),
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const m of members)
        while (m.next < Math.min(t1, f.end)) {
          const ts = Math.max(t0, m.next)
          // Jittered: the mean gap, times 0.6-1.4 (a script's sleep with random noise).
          m.next = ts + Math.round((MIN / m.perMinute) * r.uniform(0.6, 1.4))
          sendCall(sink, r, open, m.inst, ts, feature, ordinarySize(r, feature), f.end)
        }
    }),
  }
}

function zombies(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const holders = recruitFrom(ctx, f.tenant, f.s.installs ?? 8, rng)
  const plans = holders.map((inst) => {
    const start = f.start + rng.int(3 * MIN)
    const duration = Math.min(f.end - 1 - start, Math.round(rng.uniform(20 * MIN, 40 * MIN)))
    return { inst, start, duration, opened: false }
  })
  return installScenario('stream_abuse', f, holders, { feature: feature.name, kind: 'rt5_zombie_one_each' }, (sink, r, t0, t1, open) => {
    for (const z of plans) {
      if (z.opened || z.start >= t1) continue
      z.opened = true
      const ts = Math.max(t0, z.start)
      // A token every 20-50 s over the whole stream, the first one a few seconds in; an ordinary chat prompt.
      const completion = Math.max(1, Math.round((z.duration / 1000) * r.uniform(0.02, 0.05)))
      const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
      const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
      refreshToken(sink, r, z.inst, z.inst.appVersion, ts, normalVerdict, feature.name)
      const end = { reason: 'client_disconnect' as const, ttftMs: Math.round(r.uniform(1_500, 8_000)) }
      open.push({ inst: z.inst, u, start: ts, duration: z.duration, id: sink.streamId(), nextReport: ts + 30_000, end })
    }
  })
}

function reuseAbroad(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const owners = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng)
  const home = new Set(f.tenant.countries.map(([c]) => c))
  const thieves = owners.map((owner) => {
    const choices = PROXY_COUNTRIES.filter((c) => !home.has(c) && c !== owner.country)
    return { owner, country: rng.pick(choices), exit: null as null | Install, exitUntil: 0, next: f.start + rng.int(30_000) }
  })
  const ownerNext = owners.map(() => f.start + rng.int(MIN))
  const thiefRate = f.s.perMinute ?? 2
  // The owner's own use at home: a call every 2 minutes on average, on top of the app's background traffic.
  const ownerRate = 0.5
  const detail = { feature: feature.name, kind: 'rt5_reuse_proxy_abroad', thief_countries: thieves.map((t) => t.country) }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    owners.forEach((owner, i) => {
      while (ownerNext[i] < Math.min(t1, f.end)) {
        const ts = Math.max(t0, ownerNext[i])
        ownerNext[i] = ts + 1 + Math.round(r.exponential(MIN / ownerRate))
        sendCall(sink, r, open, owner, ts, feature, ordinarySize(r, feature), f.end)
      }
    })
    for (const t of thieves)
      poissonCalls(t, thiefRate, r, t0, Math.min(t1, f.end), (ts) => {
        // A residential exit of the proxy country, kept for a sticky session of 2-6 min, then another.
        if (!t.exit || ts >= t.exitUntil) {
          t.exit = { ...t.owner, ...residentialNetwork(r, t.country), country: t.country }
          t.exitUntil = ts + 2 * MIN + r.int(4 * MIN)
        }
        sendCall(sink, r, open, t.exit, ts, feature, ordinarySize(r, feature), f.end, false)
      })
  })
}

export function redTeam5Attack(ctx: ScenarioContext, f: Frame, kind: RedTeam5AttackKind): Scenario {
  if (kind === 'rt5_farm_three_hosts') return farm(ctx, f)
  if (kind === 'rt5_zombie_one_each') return zombies(ctx, f)
  return reuseAbroad(ctx, f)
}
