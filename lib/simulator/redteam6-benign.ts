import type { AttestationReason } from '../events/schema'
import type { Install } from './population'
import { clamp, weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { installLabels } from './scenario-frame'
import { installScenario } from './redteam-streams'
import { humanTick, tenantUser, type Person } from './redteam4-people'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 6 (families-redteam6.ts): benign look-alikes, written from the threat model before the detectors
 * were run on them. None is abuse.
 *
 * - `rt6_benign_mdm_rollout`: a hospital (a new enterprise customer of the health app) pushes it to 250 staff phones
 *   through its device management: brand-new installs, all the same corporate phone (iPhone15,4, iOS 18.2), the
 *   current version, each with its own device fingerprint, all behind the hospital's 2 /24s of its own ASN. Staff open
 *   it as they pick up the phone (over 20 minutes) and use it at a person's rate. (A farm's shape: one build, few
 *   networks, many new installs at once.)
 * - `rt6_benign_os_update`: an iOS point release: over the frame 35 % of the tenant's iPhones install it (each after
 *   an exponential delay, mean 10 min) and come back with a new OS version and so a new device fingerprint; the app's
 *   attestation key is regenerated, so the first token check after the update fails `token_invalid` 6 times in 10
 *   and the retry passes. (Many existing installs changing traits at once, a burst of failed checks.)
 * - `rt6_benign_viral_prompt`: a post goes viral ("ask the health app to explain your blood test like you're five"): 350
 *   people install the app over 15 minutes, each on their own phone and carrier, and send that exact question first
 *   (the app's fixed system prompt plus the same words: the same context tokens and bytes, to the token), then use
 *   the app a little (0.3-0.8 calls a minute, ordinary sizes). (Identical requests from many new installs.)
 */
export type RedTeam6BenignKind = 'rt6_benign_mdm_rollout' | 'rt6_benign_os_update' | 'rt6_benign_viral_prompt'

/** The hospital's own network: an enterprise ASN and two /24s of it. */
const HOSPITAL_ASN = 22_192

function mdmRollout(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const country = f.tenant.countries[0][0]
  const nets = Array.from({ length: 2 }, () => ({ asn: HOSPITAL_ASN, country, ipPrefix: `${140 + rng.int(20)}.${rng.int(256)}.${rng.int(256)}.0/24` }))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const people: Person[] = Array.from({ length: f.s.installs ?? 250 }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(nets), { deviceModel: 'iPhone15,4', osVersion: '18.2', fingerprint: rng.hex(32) })
    Object.assign(inst, { platform: 'ios', appVersion: latest })
    return { inst, joinAt: f.start + Math.round(Math.min(25 * MIN, rng.exponential(7 * MIN))), perMinute: 0.2 + 0.6 * rng.next() }
  })
  const installs = people.map((p) => p.inst)
  return installScenario('benign', f, installs, { kind: 'rt6_benign_mdm_rollout', asn: String(HOSPITAL_ASN) }, humanTick(people, f))
}

function osUpdate(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const updated: { inst: Install; at: number; done: boolean }[] = []
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && inst.platform === 'ios' && !inst.rooted && !ctx.taken.has(inst.id) && rng.chance(0.35)) {
      const at = f.start + rng.exponential(10 * MIN)
      if (at < f.end - 2 * MIN) updated.push({ inst, at, done: false })
    }
  for (const u of updated) ctx.taken.add(u.inst.id)
  // Updated installs whose next token check is the first since the update.
  const fresh = new Set<string>()
  const verdict = (inst: Install): AttestationReason[] | null => {
    if (!fresh.has(inst.id)) return null
    fresh.delete(inst.id)
    return rng.chance(0.6) ? ['token_invalid'] : null
  }
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels(
      'benign',
      f,
      updated.map((u) => u.inst),
      { kind: 'rt6_benign_os_update', os_version: '18.3' },
    ),
    hook: { appVersion: (_i, v) => v, contextFactor: () => 1, verdict: (inst) => verdict(inst) },
    // Applied at the end of a tick, as the ordinary traffic of the tick (emitted before the scenarios) used the old OS.
    tick(_sink, _r, _t0, t1) {
      for (const u of updated)
        if (!u.done && u.at < t1) {
          u.done = true
          Object.assign(u.inst, { osVersion: '18.3', fingerprint: rng.hex(32), tokenExpiresAt: 0 })
          fresh.add(u.inst.id)
        }
    },
  }
}

function viralPrompt(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  // The question, as the gateway counts it with the app's fixed system prompt: one size, one byte length.
  const context = Math.round(p.ctx * rng.uniform(0.5, 0.8))
  const bytes = bytesFor(rng, context)
  const people = Array.from({ length: f.s.installs ?? 350 }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    inst.appVersion = f.tenant.versions[f.tenant.versions.length - 1]
    const joinAt = f.start + rng.int(15 * MIN)
    return { inst, joinAt, first: true, perMinute: 0.3 + 0.5 * rng.next(), next: joinAt, leave: joinAt + 5 * MIN + rng.int(15 * MIN) }
  })
  const others = f.tenant.features.map((x) => [x, x.weight] as const)
  const installs = people.map((x) => x.inst)
  const detail = { kind: 'rt6_benign_viral_prompt', feature: feature.name, context_tokens: context }
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const x of people)
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end, x.leave), (ts) => {
        if (!x.first) {
          const spec = weightedPick(r, others)
          sendCall(sink, r, open, x.inst, ts, spec, ordinarySize(r, spec), f.end)
          return
        }
        x.first = false
        refreshToken(sink, r, x.inst, x.inst.appVersion, ts, normalVerdict, feature.name)
        const completion = Math.round(clamp(r.lognormal(p.out, p.outSigma), 8, 4096))
        const u = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes }
        const duration = Math.round(600 + (completion / r.uniform(30, 80)) * 1000)
        if (r.next() < p.streamShare && ts + duration < f.end) open.push({ inst: x.inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
        else sink.request(x.inst, x.inst.appVersion, ts, u, 'served', duration)
      })
  })
}

export function redTeam6Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam6BenignKind): Scenario {
  if (kind === 'rt6_benign_mdm_rollout') return mdmRollout(ctx, f)
  if (kind === 'rt6_benign_os_update') return osUpdate(ctx, f)
  return viralPrompt(ctx, f)
}
