import type { AttestationReason } from '../events/schema'
import type { FeatureSpec } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { gatedCall, subnetsOf, type Host } from './redteam8-calls'
import { featureMix } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): farms, written from the threat model ("emulators can be used to set up
 * hundreds of devices to send ... requests at the same time") before the detectors were run on them.
 *
 * - `rt9_farm_sync_wake`: a farm that looks like phones one by one and gives itself away only by acting together. 50
 *   emulators (`installs`) with a device-spoofing kit that gives each a different real Android phone profile (model,
 *   OS, fingerprint drawn from the usual mix) on residential proxies of the travel app's countries (each its own
 *   carrier /24), attestation hooked and passing, all running the one app build the operator patched (the tenant's
 *   newest version, which half its real users run too). They register over the frame's first 4 minutes (first launch
 *   and one chat question), then sleep; every 5 minutes (± 10 s) the controller wakes them all, and within the same 20
 *   seconds each sends 2-3 chat questions of ordinary size 5-15 s apart, then sleeps again. A person would call it a
 *   farm: 50 new installs that are silent except in the same 20 seconds every 5 minutes, like clockwork.
 *   `installs` 25 is the "half of it" case.
 * - `rt9_farm_script_replay`: a content farm harvesting free answers. 70 emulators (`installs`) on 4 /24s of a US
 *   hosting provider none of the earlier farms used (Leaseweb USA), 3 spoofed phone builds, a fingerprint each, the
 *   tenant's newest version, attestation hooked (1 check in 10 still fails `hooking_framework`, retried). They join
 *   over 12 minutes, and each runs the same script over and over: 12 steps, each one feature with a prompt template
 *   of a fixed size (filled with other keywords: ± 1.5 %), and the script's fixed sleep after each step (20-45 s, the
 *   same for every member, ± 0.5 s), a 1-3-minute pause between runs. Members start at different times, so they
 *   are never in lockstep; but every member sends the same sequence of features and sizes. A person would call it a
 *   farm: 70 new installs on a hosting provider, each replaying the identical request sequence.
 * - `rt9_farm_ipv6_cloud`: a farm on a cloud's IPv6 network only. 60 emulators (`installs`) on a hosting provider
 *   none of the earlier farms used (UpCloud), each VM its own /64 of one of the provider's 3 datacenter /48s (stored
 *   as the /48), 4 spoofed phone builds, a fingerprint each, attestation passing, the tenant's newest version. They
 *   join over 6 minutes and each calls at a busy person's rate (0.8-1.5 a minute, chat 2 in 3, search_qa 1 in 3,
 *   ordinary sizes) on its own clock. A person would call it a farm: 60 new installs in 3 datacenter /48s.
 */
export type RedTeam9FarmKind = 'rt9_farm_sync_wake' | 'rt9_farm_script_replay' | 'rt9_farm_ipv6_cloud'

/** Wakes: every WAKE_EVERY (± 10 s), members all within WAKE_SPAN of the wake. */
const WAKE_EVERY = 5 * MIN
const WAKE_SPAN = 20_000

function syncWake(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const wakes: number[] = []
  for (let t = f.start + 5 * MIN; t < f.end; t += WAKE_EVERY) wakes.push(t + Math.round(rng.uniform(-10_000, 10_000)))
  const members = Array.from({ length: f.s.installs ?? 50 }, () => {
    const country = weightedPick(rng, f.tenant.countries)
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { ...residentialNetwork(rng, country), country },
      { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) },
    )
    inst.appVersion = latest
    const createdAt = f.start + rng.int(4 * MIN)
    // The first launch's question, then 2-3 questions at each wake, 5-15 s apart.
    const due = [createdAt]
    for (const w of wakes) {
      let t = w + rng.int(WAKE_SPAN)
      for (let k = 2 + rng.int(2); k > 0; k--, t += 5_000 + rng.int(10_000)) due.push(t)
    }
    return { inst, createdAt, due }
  })
  const cluster = `${f.tenant.id}:rt9-wake-${rng.hex(6)}`
  const detail = { kind: 'rt9_farm_sync_wake', installs: members.length, wake_every_min: 5, version: latest }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    for (const m of members)
      while (m.due.length && m.due[0] < Math.min(t1, f.end)) {
        const ts = Math.max(t0, m.due.shift()!)
        sendCall(sink, r, open, m.inst, ts, chat, ordinarySize(r, chat), f.end)
      }
  })
  return { ...scenario, labels: farmLabels(members, cluster, f, detail) }
}

/** Leaseweb USA: [asn, country, first octets]. */
const LEASEWEB: Host = { asn: 30_633, country: 'US', first: [23, 108, 199] }
const HOOKED: AttestationReason[] = ['hooking_framework']
const STEPS = 12

function scriptReplay(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const subnets = subnetsOf(rng, LEASEWEB, 4)
  const builds = Array.from({ length: 3 }, () => consumerDevice(rng, 'android'))
  // The script: each step's feature, prompt size and the sleep after it, the same for every member and run.
  const script: { spec: FeatureSpec; context: number; sleep: number }[] = Array.from({ length: STEPS }, () => {
    const spec = weightedPick(rng, featureMix(f.tenant))
    return { spec, context: ordinarySize(rng, spec).context, sleep: 20_000 + rng.int(25_000) }
  })
  const members = Array.from({ length: f.s.installs ?? 70 }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(subnets), { ...rng.pick(builds), fingerprint: rng.hex(32) })
    inst.appVersion = latest
    const createdAt = f.start + rng.int(12 * MIN)
    return { inst, createdAt, next: createdAt, step: 0 }
  })
  const cluster = `${f.tenant.id}:rt9-script-${rng.hex(6)}`
  const detail = { kind: 'rt9_farm_script_replay', installs: members.length, asns: [String(LEASEWEB.asn)], ip_prefixes: subnets.map((s) => s.ipPrefix) }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    for (const m of members)
      while (m.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, m.next)
        const s = script[m.step]
        m.step = (m.step + 1) % STEPS
        // The script's sleep (± 0.5 s of network); after the last step, a pause before the next run.
        m.next = ts + s.sleep + Math.round(r.uniform(-500, 500)) + (m.step === 0 ? MIN + r.int(2 * MIN) : 0)
        const size = { context: s.context * r.uniform(0.985, 1.015), completion: ordinarySize(r, s.spec).completion }
        gatedCall(sink, r, open, m.inst, ts, s.spec, size, f.end, 0.1, HOOKED)
      }
  })
  return { ...scenario, labels: farmLabels(members, cluster, f, detail) }
}

/** UpCloud: its ASN, and the first hextets of its IPv6 space. */
const UPCLOUD = { asn: 202_053, country: 'US' }

function ipv6Cloud(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const second = f.tenant.features.find((x) => x.name === 'search_qa') ?? f.tenant.features.find((x) => x !== chat) ?? chat
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  // One /48 per datacenter; each VM's /64 inside it is stored as the /48.
  const dcs = Array.from({ length: 3 }, () => ({ ...UPCLOUD, ipPrefix: `2a04:3540:${rng.hex(4)}::/48` }))
  const builds = Array.from({ length: 4 }, () => consumerDevice(rng, 'android'))
  const members = Array.from({ length: f.s.installs ?? 60 }, () => {
    const inst = freshInstall(rng, f.tenant, known, rng.pick(dcs), { ...rng.pick(builds), fingerprint: rng.hex(32) })
    inst.appVersion = latest
    const createdAt = f.start + rng.int(6 * MIN)
    return { inst, createdAt, next: createdAt, perMinute: 0.8 + 0.7 * rng.next() }
  })
  const cluster = `${f.tenant.id}:rt9-v6-${rng.hex(6)}`
  const detail = { kind: 'rt9_farm_ipv6_cloud', installs: members.length, asns: [String(UPCLOUD.asn)], ip_prefixes: dcs.map((d) => d.ipPrefix) }
  const scenario = installScenario('emulator_farm', f, [], detail, (sink, r, t0, t1, open) => {
    for (const m of members)
      poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = r.chance(2 / 3) ? chat : second
        sendCall(sink, r, open, m.inst, ts, spec, ordinarySize(r, spec), f.end)
      })
  })
  return { ...scenario, labels: farmLabels(members, cluster, f, detail) }
}

export function redTeam9Farm(ctx: ScenarioContext, f: Frame, kind: RedTeam9FarmKind): Scenario {
  if (kind === 'rt9_farm_sync_wake') return syncWake(ctx, f)
  if (kind === 'rt9_farm_script_replay') return scriptReplay(ctx, f)
  return ipv6Cloud(ctx, f)
}
