import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice } from './population'
import { Rng, WeightedPicker, clamp, shuffle } from './random'
import { MIN, frame, installLabels } from './scenario-frame'
import type { Scenario, ScenarioContext } from './scenarios'
import { EventSink, bytesFor, refreshToken, type Usage } from './traffic'

const HOSTING: { asn: number; country: string; nets: [number, number][] }[] = [
  {
    asn: 14061,
    country: 'US',
    nets: [
      [159, 203],
      [167, 99],
      [64, 225],
    ],
  }, // DigitalOcean
  {
    asn: 24940,
    country: 'DE',
    nets: [
      [95, 216],
      [135, 181],
      [65, 108],
    ],
  }, // Hetzner
  {
    asn: 16509,
    country: 'US',
    nets: [
      [3, 120],
      [18, 184],
      [54, 93],
    ],
  }, // Amazon
  {
    asn: 20473,
    country: 'NL',
    nets: [
      [45, 76],
      [149, 28],
      [108, 61],
    ],
  }, // Vultr
]
const FARM_REJECTIONS: [AttestationReason[], number][] = [
  [['emulator'], 35],
  [['emulator', 'hooking_framework'], 25],
  [['hooking_framework'], 20],
  [['rooted', 'hooking_framework'], 10],
  [['emulator', 'debugger_attached'], 10],
]
const farmRejections = new WeightedPicker(
  FARM_REJECTIONS.map((r) => r[0]),
  FARM_REJECTIONS.map((r) => r[1]),
)
const farmVerdict = (rng: Rng): AttestationReason[] => (rng.chance(0.65) ? farmRejections.pick(rng) : [])
const passing = (): AttestationReason[] => []

/** A farm's cluster label over its frame, then each member's (farmMemberLabels). */
export function farmLabels(
  members: { inst: Install; createdAt: number }[],
  cluster: string,
  f: { tenant: { id: string }; start: number; end: number },
  detail: GroundTruthLabel['detail'],
): GroundTruthLabel[] {
  return [
    { scenario: 'emulator_farm', kind: 'cluster', subject: cluster, tenant_id: f.tenant.id, start_ms: f.start, end_ms: f.end, detail },
    ...farmMemberLabels(members, cluster, f.tenant.id, f.end),
  ]
}

/** Each farm member's label, from the minute it was created (the farm's cluster label names them all). */
export function farmMemberLabels(members: { inst: Install; createdAt: number }[], cluster: string, tenantId: string, endMs: number): GroundTruthLabel[] {
  return members.map((m) => ({
    scenario: 'emulator_farm',
    kind: 'install',
    subject: m.inst.id,
    tenant_id: tenantId,
    start_ms: m.createdAt,
    end_ms: endMs,
    detail: { cluster },
  }))
}

/** Hundreds of new emulated installs on hosting networks, firing in lockstep. */
export function emulatorFarm(ctx: ScenarioContext): Scenario {
  const f = frame('emulator_farm', ctx)
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'chat_assistant') ?? f.tenant.features[0]
  const count = ctx.settings.installs ?? 150 + rng.int(151)
  const providers = shuffle(rng, [...HOSTING]).slice(0, clamp(f.s.asns ?? 1 + rng.int(2), 1, HOSTING.length))
  const subnets = Array.from({ length: Math.max(1, f.s.subnets ?? 3) }, (_, i) => {
    const p = providers[i % providers.length]
    const [a, b] = rng.pick(p.nets)
    return { asn: p.asn, country: p.country, ipPrefix: `${a}.${b}.${rng.int(256)}.0/24` }
  })
  // Cloned images: a handful of fingerprints, each pinned to one spoofed device build.
  const images = Array.from({ length: Math.max(1, f.s.fingerprints ?? 4) }, () => ({
    fingerprint: rng.hex(32),
    ...consumerDevice(rng, 'android'),
    osVersion: '13',
  }))
  const version = f.tenant.versions[f.tenant.versions.length - 1]
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const members: { inst: Install; createdAt: number; jitter: number }[] = []
  for (let n = 0; n < count; n++) {
    let id: string
    do id = `i-${rng.hex(16)}`
    while (known.has(id))
    known.add(id)
    const net = rng.pick(subnets)
    const createdAt = f.start + rng.int(3 * MIN)
    const inst: Install = {
      index: -1,
      id,
      tenant: f.tenant,
      appVersion: version,
      platform: 'android',
      ...rng.pick(images),
      ipPrefix: net.ipPrefix,
      asn: net.asn,
      country: net.country,
      tzHours: 0,
      activity: 0,
      tokenExpiresAt: createdAt,
      rooted: false,
    }
    members.push({ inst, createdAt, jitter: rng.int(400) })
  }
  members.sort((a, b) => a.createdAt - b.createdAt)
  const period = Math.max(1_000, Math.round(20_000 / f.intensity))
  const cluster = `${f.tenant.id}:farm-${rng.hex(6)}`
  const labels = farmLabels(members, cluster, f, {
    installs: count,
    period_ms: period,
    ip_prefixes: subnets.map((s) => s.ipPrefix),
    asns: providers.map((p) => String(p.asn)),
    fingerprints: images.map((i) => i.fingerprint),
  })
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, rng, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      for (const m of members) {
        if (m.createdAt >= t1) break
        if (m.createdAt >= t0) refreshToken(sink, rng, m.inst, version, m.createdAt, f.s.attestPass ? passing : farmVerdict) // first launch
      }
      // Lockstep: every member fires at the same period boundary plus a small fixed offset and jitter.
      for (let k = Math.max(0, Math.floor((t0 - 1_000 - f.start) / period)); f.start + k * period < t1; k++) {
        const base = f.start + k * period
        for (const m of members) {
          if (m.createdAt > base) break
          const ts = base + m.jitter + rng.int(150)
          if (ts < t0 || ts >= t1 || ts >= f.end) continue
          refreshToken(sink, rng, m.inst, version, ts, f.s.attestPass ? passing : farmVerdict, feature.name)
          const context = Math.round(rng.lognormal(1_800, 0.3))
          const completion = Math.round(clamp(rng.lognormal(550, 0.2), 100, 1_024))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          sink.request(m.inst, version, ts, u, 'served', rng.uniform(400, 900) + completion * rng.uniform(8, 15))
        }
      }
    },
  }
}
