import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { FeatureSpec, Install } from './population'
import { consumerDevice } from './population'
import { clamp, weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { nextVersion } from './families-release'
import { gatedCall, joinLabels, subnetsOf, type Host } from './redteam8-calls'

/**
 * Red team, round 8 (families-redteam8.ts): benign look-alikes, written from the threat model before the detectors
 * were run on them. None is abuse.
 *
 * - `rt8_benign_health_digest` (a heavy batch feature, all along): the health app refreshes each user's "health
 *   timeline" summary when new records arrive. Every 20 minutes the records batch lands and the server sends a silent
 *   push; the apps of the users with new records (about half of 120 users each time) wake in the background within a
 *   few seconds to 3 minutes (push delivery) and each sends one summarize call of its user's new records: 3-5x the
 *   feature's median context (gemini-2.5-pro), 300-600 tokens out, then nothing until the next batch. It has run like
 *   this since the start of the history. (Many installs in the same minutes, each sending a call several times the
 *   feature's median: a spread bombing's or a farm's wake in shape, once per install per batch, on schedule.)
 * - `rt8_benign_translators` (power users, all along): 8 professional tour guides use the travel app's translate
 *   feature for their groups all day: menus, contracts, museum texts, 1.5-2.5 calls a minute each, every text 4-6x the
 *   feature's median context and a translation about as long. They have worked like this since the start of the
 *   history. (A few installs sending several times a low-traffic feature's median, nonstop: sustained bombing in
 *   shape, but each install's own normal.)
 * - `rt8_benign_cloud_test_lab` (a QA device lab): the bank's QA team runs the release candidate (its version label
 *   ends in "-rc1"; no user has it) on a cloud test lab in Google's network (3 /24s): 30 real phones of assorted
 *   models and 30 virtual devices (one model name, "MediumPhone.arm"), allocated within a minute. On each the test
 *   suite installs the app, runs 18 scripted steps 8-12 s apart (each step calls one feature with the suite's fixed
 *   fixture, so every run sends the same prompts), then wipes the app and runs again: 3 runs per device, a new install
 *   id each run, the device's fingerprint unchanged. The virtual devices cannot pass attestation (`emulator`, the
 *   gateway refuses their calls; the suite reports those steps failed). (New installs on a datacenter network,
 *   identical requests in near lockstep, emulators failing attestation, ids rotating: a farm in every trait but
 *   intent; the release-candidate version and the test lab's network say QA.)
 */
export type RedTeam8BenignKind = 'rt8_benign_health_digest' | 'rt8_benign_translators' | 'rt8_benign_cloud_test_lab'

function healthDigest(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'summarize') ?? featureOf(f)
  const p = profileOf(feature.name)
  const batches: number[] = []
  for (let t = f.start + 2 * MIN; t < f.end; t += 20 * MIN) batches.push(t)
  const users = recruitFrom(ctx, f.tenant, f.s.installs ?? 120, rng).map((inst) => ({
    inst,
    // The batches with new records for this user, each delivered after a few seconds to 3 minutes.
    due: batches.filter(() => rng.chance(0.5)).map((t) => t + Math.min(Math.round(rng.exponential(40_000)), 3 * MIN)),
  }))
  const installs = users.map((u) => u.inst)
  return installScenario('benign', f, installs, { kind: 'rt8_benign_health_digest', feature: feature.name }, (sink, r, t0, t1, open) => {
    for (const u of users)
      while (u.due.length && u.due[0] < t1) {
        const ts = Math.max(t0, u.due.shift()!)
        if (ts < f.end) sendCall(sink, r, open, u.inst, ts, feature, { context: p.ctx * r.uniform(3, 5), completion: r.uniform(300, 600) }, f.end)
      }
  })
}

function translators(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'translate') ?? featureOf(f)
  const p = profileOf(feature.name)
  const guides = recruitFrom(ctx, f.tenant, f.s.installs ?? 8, rng).map((inst) => ({ inst, next: f.start + rng.int(MIN), perMinute: 1.5 + rng.next() }))
  const installs = guides.map((g) => g.inst)
  return installScenario('benign', f, installs, { kind: 'rt8_benign_translators', feature: feature.name }, (sink, r, t0, t1, open) => {
    for (const g of guides)
      poissonCalls(g, g.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const context = p.ctx * r.uniform(4, 6)
        sendCall(sink, r, open, g.inst, ts, feature, { context, completion: clamp(context * r.uniform(0.8, 1.1), 8, 4096) }, f.end)
      })
  })
}

/** Google's network, where the test lab's devices are. */
const GOOGLE: Host = { asn: 15_169, country: 'US', first: [34, 35] }
const STEPS = 18
const RUNS = 3
const VIRTUAL = { deviceModel: 'MediumPhone.arm', osVersion: '14' }
const NO_ATTESTATION: AttestationReason[] = ['emulator']

interface Run {
  inst: Install
  joinAt: number
  /** When each remaining step runs, the next first. */
  steps: number[]
}

function cloudTestLab(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const rc = `${nextVersion(f)}-rc1`
  const subnets = subnetsOf(rng, GOOGLE, 3)
  // The suite's fixtures: each step's feature and prompt size, the same in every run.
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const fixtures: { spec: FeatureSpec; context: number }[] = Array.from({ length: STEPS }, () => {
    const spec = weightedPick(rng, all)
    return { spec, context: Math.round(ordinarySize(rng, spec).context) }
  })
  const matrixAt = f.start + 5 * MIN
  const devices = Array.from({ length: 60 }, (_, k) => {
    const virtual = k >= 30
    const device = { ...(virtual ? VIRTUAL : consumerDevice(rng, 'android')), fingerprint: rng.hex(32) }
    const net = rng.pick(subnets)
    const runs: Run[] = []
    let at = matrixAt + rng.int(MIN)
    for (let n = 0; n < RUNS; n++) {
      const inst = freshInstall(rng, f.tenant, known, net, device)
      inst.appVersion = rc
      const steps: number[] = []
      for (let s = 0, t = at + 5_000 + rng.int(5_000); s < STEPS; s++, t += 8_000 + rng.int(4_000)) steps.push(t)
      runs.push({ inst, joinAt: at, steps })
      at = steps[STEPS - 1] + 30_000 + rng.int(30_000)
    }
    return { virtual, runs }
  })
  const labels: GroundTruthLabel[] = devices.flatMap((d) =>
    joinLabels('benign', d.runs, f.end, { kind: 'rt8_benign_cloud_test_lab', version: rc, virtual: String(d.virtual) }),
  )
  const scenario = installScenario('benign', f, [], {}, (sink, r, t0, t1, open) => {
    for (const d of devices)
      for (const run of d.runs)
        while (run.steps.length && run.steps[0] < Math.min(t1, f.end)) {
          const ts = Math.max(t0, run.steps[0])
          const fixture = fixtures[STEPS - run.steps.length]
          run.steps.shift()
          const size = { context: fixture.context, completion: ordinarySize(r, fixture.spec).completion }
          gatedCall(sink, r, open, run.inst, ts, fixture.spec, size, f.end, d.virtual ? 1 : 0, NO_ATTESTATION)
        }
  })
  return { ...scenario, labels }
}

export function redTeam8Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam8BenignKind): Scenario {
  if (kind === 'rt8_benign_health_digest') return healthDigest(ctx, f)
  if (kind === 'rt8_benign_translators') return translators(ctx, f)
  return cloudTestLab(ctx, f)
}
