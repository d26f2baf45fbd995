import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { withStreams, type HeldStream } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 6 (families-redteam6.ts): farms, written from the threat model ("emulators can be used to set up
 * hundreds of devices") before the detectors were run on them.
 *
 * - `rt6_farm_phone_rack`: not emulators but a rack of 48 real, cheap phones of one model (Galaxy A15, Android 14:
 *   genuine devices running the genuine app, so attestation passes), each with its own device fingerprint, behind
 *   one home fibre line's 3 /24s of a residential carrier of the tenant's home country. Powered up over the frame's
 *   first 10 minutes (brand-new installs), each phone then loops through the app's chat and its second feature with
 *   script pauses (exponential, 1-1.8 calls a minute: a busy person's rate, nonstop), requests of 1.3x the usual size
 *   (a reseller's customers' prompts). Sold as a "free GPT" proxy.
 * - `rt6_farm_reset_cycle`: 30 emulator slots on a hosting provider none of the earlier farms used (OVH, 5 /24s),
 *   spoofing 3 phone builds. Each slot wipes and reinstalls the app every 6-10 minutes (a new install id and
 *   fingerprint), so no identity lives long. Emulators fail the token check often: 45 % of checks are rejected
 *   (`emulator`, some with `hooking_framework`), retried 20-60 s later while the gateway refuses the calls; with a
 *   token, each calls the tenant's translate feature 3 times a minute, ordinary sizes, jittered.
 */
export type RedTeam6FarmKind = 'rt6_farm_phone_rack' | 'rt6_farm_reset_cycle'

/** OVH: [asn, country, first octets]. */
const OVH = { asn: 16276, country: 'FR', first: [51, 54, 137] }

const REJECT: [AttestationReason[], number][] = [
  [['emulator'], 60],
  [['emulator', 'hooking_framework'], 30],
  [['hooking_framework'], 10],
]

function phoneRack(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const second = f.tenant.features.find((x) => x.name !== chat.name) ?? chat
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const home = f.tenant.countries[0][0]
  // One fibre line: a carrier /24 and two more of the same carrier and first octet.
  const line = residentialNetwork(rng, home)
  const [a] = line.ipPrefix.split('.')
  const subnets = [line.ipPrefix, `${a}.${rng.int(256)}.${rng.int(256)}.0/24`, `${a}.${rng.int(256)}.${rng.int(256)}.0/24`]
  const count = f.s.installs ?? 48
  const members = Array.from({ length: count }, () => {
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { asn: line.asn, ipPrefix: rng.pick(subnets), country: home },
      { deviceModel: 'SM-A155F', osVersion: '14', fingerprint: rng.hex(32) },
    )
    inst.appVersion = f.tenant.versions[f.tenant.versions.length - 1]
    const createdAt = f.start + rng.int(10 * MIN)
    return { inst, createdAt, perMinute: 1 + 0.8 * rng.next(), next: createdAt }
  })
  const cluster = `${f.tenant.id}:rt6-rack-${rng.hex(6)}`
  const open: HeldStream[] = []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels: farmLabels(members, cluster, f, { installs: count, kind: 'rt6_farm_phone_rack', ip_prefixes: subnets, asns: [String(line.asn)] }),
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const m of members)
        poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
          const spec = r.chance(0.7) ? chat : second
          const size = ordinarySize(r, spec)
          sendCall(sink, r, open, m.inst, ts, spec, { context: size.context * 1.3, completion: size.completion * 1.3 }, f.end)
        })
    }),
  }
}

interface Slot {
  net: { asn: number; ipPrefix: string; country: string }
  build: { deviceModel: string; osVersion: string }
  inst: Install
  bornAt: number
  resetAt: number
  next: number
  tokenOk: boolean
}

function resetCycle(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === (f.s.feature ?? 'translate')) ?? featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const subnets = Array.from({ length: 5 }, () => ({
    asn: OVH.asn,
    country: OVH.country,
    ipPrefix: `${rng.pick(OVH.first)}.${rng.int(256)}.${rng.int(256)}.0/24`,
  }))
  const builds = Array.from({ length: 3 }, () => consumerDevice(rng, 'android'))
  const perMinute = f.s.perMinute ?? 3
  const cluster = `${f.tenant.id}:rt6-reset-${rng.hex(6)}`
  const labels: GroundTruthLabel[] = []
  const born = (r: Rng, s: Omit<Slot, 'inst' | 'bornAt' | 'resetAt' | 'next' | 'tokenOk'>, at: number): Slot => {
    const inst = freshInstall(r, f.tenant, known, s.net, { ...s.build, fingerprint: r.hex(32) })
    const resetAt = Math.min(f.end, at + 6 * MIN + r.int(4 * MIN))
    labels.push({
      scenario: 'emulator_farm',
      kind: 'install',
      subject: inst.id,
      tenant_id: f.tenant.id,
      start_ms: at,
      end_ms: resetAt,
      detail: { cluster, kind: 'rt6_farm_reset_cycle' },
    })
    return { ...s, inst, bornAt: at, resetAt, next: at, tokenOk: false }
  }
  // Every identity the farm will use is made up front (with its label), slot by slot, reset by reset.
  const slots: Slot[][] = Array.from({ length: f.s.installs ?? 30 }, () => {
    const s = { net: rng.pick(subnets), build: rng.pick(builds) }
    const ids: Slot[] = [born(rng, s, f.start + rng.int(3 * MIN))]
    while (ids[ids.length - 1].resetAt < f.end - MIN) ids.push(born(rng, s, ids[ids.length - 1].resetAt + 20_000 + rng.int(40_000)))
    return ids
  })
  labels.unshift({
    scenario: 'emulator_farm',
    kind: 'cluster',
    subject: cluster,
    tenant_id: f.tenant.id,
    start_ms: f.start,
    end_ms: f.end,
    detail: { kind: 'rt6_farm_reset_cycle', slots: slots.length, identities: labels.length, asns: [String(OVH.asn)] },
  })
  const reject = (r: Rng): AttestationReason[] => (r.chance(0.45) ? weightedPick(r, REJECT) : [])
  const open: HeldStream[] = []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const ids of slots)
        for (const s of ids)
          while (s.next < Math.min(t1, s.resetAt)) {
            const ts = Math.max(t0, s.next)
            s.next = ts + Math.round((MIN / perMinute) * r.uniform(0.5, 1.5))
            if (ts >= s.inst.tokenExpiresAt) {
              const reasons = reject(r)
              sink.attestation(s.inst, s.inst.appVersion, ts, reasons, feature.name)
              s.inst.tokenExpiresAt = ts + (reasons.length ? 20_000 + r.int(40_000) : 270_000 + r.int(60_000))
              s.tokenOk = !reasons.length
            }
            if (s.tokenOk) {
              const size = { context: r.lognormal(p.ctx, p.ctxSigma), completion: r.lognormal(p.out, p.outSigma) }
              sendCall(sink, r, open, s.inst, ts, feature, size, s.resetAt, false)
            }
          }
    }),
  }
}

export function redTeam6Farm(ctx: ScenarioContext, f: Frame, kind: RedTeam6FarmKind): Scenario {
  return kind === 'rt6_farm_phone_rack' ? phoneRack(ctx, f) : resetCycle(ctx, f)
}
