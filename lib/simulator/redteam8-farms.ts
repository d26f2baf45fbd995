import type { AttestationReason } from '../events/schema'
import { consumerDevice } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { gatedCall, subnetsOf, type Host } from './redteam8-calls'

/**
 * Red team, round 8 (families-redteam8.ts): farms, written from the threat model ("emulators can be used to set up
 * hundreds of devices to send ... requests at the same time") before the detectors were run on them.
 *
 * - `rt8_farm_lockstep_filler`: a farm that passes attestation (hooked and hidden), shares one spoofed device build
 *   and its network, and acts in lockstep, dressed up to look less like it: 50 emulators (`installs`) on 2 /24s of a
 *   US cloud none of the earlier farms used (Oracle Cloud), one phone build, a randomized fingerprint each, and the
 *   app version each reports drawn from the tenant's real version mix (so no one build of the app stands out). They
 *   register over the frame's first 4 minutes. The controller broadcasts a job every 88-92 s and every member sends it
 *   within 2 s of the broadcast: the job's prompt (each job its own; the same context size to within 1 % across the
 *   members) to the chat feature.
 *   Between broadcasts each member also makes filler calls on its own Poisson clock (0.5 a minute, the app's features,
 *   ordinary sizes) to look like a person. A person would call it a farm: 50 new installs on two cloud /24s of one
 *   phone build, answering the same job within the same 2 seconds every minute and a half.
 * - `rt8_farm_trickle_150`: a 150-emulator farm (`installs`) that arrives slowly and spreads out: a steady 10 new
 *   members a minute over 15 minutes, on 12 /24s of 3 hosting providers none of the earlier farms used (Hostinger
 *   LT, Contabo DE, Microsoft Azure US), 5 spoofed phone builds, a fingerprint each, the tenant's newest version.
 *   Attestation is hooked; 15 % of checks still see the emulator (`emulator`, retried 20-60 s later, the gateway
 *   refusing calls until then). Each member calls at a person's rate (0.6-1.2 a minute, chat 3 in 5, translate 2 in
 *   5, ordinary sizes, on its own clock). A person would call it a farm: 150 new installs from hosting providers in
 *   a quarter of an hour, far more than the app ever gains in that time, on a handful of builds, some caught as
 *   emulators.
 */
export type RedTeam8FarmKind = 'rt8_farm_lockstep_filler' | 'rt8_farm_trickle_150'

const ORACLE: Host = { asn: 31_898, country: 'US', first: [129, 132, 150] }
const HOSTS: Host[] = [
  { asn: 47_583, country: 'LT', first: [31, 45, 89] }, // Hostinger
  { asn: 51_167, country: 'DE', first: [5, 62, 161] }, // Contabo
  { asn: 8_075, country: 'US', first: [20, 40, 52] }, // Microsoft Azure
]

function lockstepFiller(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const p = profileOf(chat.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const subnets = subnetsOf(rng, ORACLE, 2)
  const build = consumerDevice(rng, 'android')
  const versions = f.tenant.versions.map((v, k) => [v, f.tenant.versionWeights[k]] as const)
  // The controller's broadcasts: every 88-92 s from the first minute.
  const beats: number[] = []
  for (let t = f.start + MIN; t < f.end; t += 88_000 + rng.int(4_000)) beats.push(t)
  // Each broadcast is one job: one prompt every member sends (its size the same to within 1 %).
  const jobs = beats.map(() => p.ctx * rng.uniform(0.8, 1.4))
  const members = Array.from({ length: f.s.installs ?? 50 }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(subnets), { ...build, fingerprint: rng.hex(32) })
    inst.appVersion = weightedPick(rng, versions)
    const createdAt = f.start + rng.int(4 * MIN)
    const beat = beats.findIndex((b) => b >= createdAt)
    return { inst, createdAt, next: createdAt, beat: beat < 0 ? beats.length : beat, jobAt: 0 }
  })
  for (const m of members) m.jobAt = m.beat < beats.length ? beats[m.beat] + rng.int(2_000) : Infinity
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const cluster = `${f.tenant.id}:rt8-lockstep-${rng.hex(6)}`
  const detail = { kind: 'rt8_farm_lockstep_filler', installs: members.length, asns: [String(ORACLE.asn)], ip_prefixes: subnets.map((s) => s.ipPrefix) }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    for (const m of members) {
      while (m.jobAt < Math.min(t1, f.end)) {
        const ts = Math.max(t0, m.jobAt)
        const context = jobs[m.beat] * r.uniform(0.99, 1.01)
        m.beat++
        m.jobAt = m.beat < beats.length ? beats[m.beat] + r.int(2_000) : Infinity
        sendCall(sink, r, open, m.inst, ts, chat, { context, completion: ordinarySize(r, chat).completion }, f.end)
      }
      poissonCalls(m, 0.5, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = weightedPick(r, all)
        sendCall(sink, r, open, m.inst, ts, spec, ordinarySize(r, spec), f.end)
      })
    }
  })
  return { ...scenario, labels: farmLabels(members, cluster, f, detail) }
}

const SEEN: AttestationReason[] = ['emulator']

function trickle150(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const second = f.tenant.features.find((x) => x.name === 'translate') ?? f.tenant.features.find((x) => x !== chat) ?? chat
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const subnets = HOSTS.flatMap((h) => subnetsOf(rng, h, 4))
  const builds = Array.from({ length: 5 }, () => consumerDevice(rng, 'android'))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const count = f.s.installs ?? 150
  const members = Array.from({ length: count }, (_, n) => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(subnets), { ...rng.pick(builds), fingerprint: rng.hex(32) })
    inst.appVersion = latest
    // A steady trickle: the n-th member n/count of the way through 15 minutes, give or take 20 s.
    const createdAt = f.start + Math.max(0, Math.round((n / count) * 15 * MIN + rng.uniform(-20_000, 20_000)))
    return { inst, createdAt, next: createdAt, perMinute: 0.6 + 0.6 * rng.next() }
  })
  const cluster = `${f.tenant.id}:rt8-trickle-${rng.hex(6)}`
  const detail = { kind: 'rt8_farm_trickle_150', installs: count, asns: HOSTS.map((h) => String(h.asn)), ip_prefixes: subnets.map((s) => s.ipPrefix) }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    for (const m of members)
      poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = r.chance(0.6) ? chat : second
        gatedCall(sink, r, open, m.inst, ts, spec, ordinarySize(r, spec), f.end, 0.15, SEEN)
      })
  })
  return { ...scenario, labels: farmLabels(members, cluster, f, detail) }
}

export function redTeam8Farm(ctx: ScenarioContext, f: Frame, kind: RedTeam8FarmKind): Scenario {
  return kind === 'rt8_farm_lockstep_filler' ? lockstepFiller(ctx, f) : trickle150(ctx, f)
}
