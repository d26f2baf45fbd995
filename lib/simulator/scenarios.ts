import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel, ScenarioName } from './labels'
import type { Install, Population, Tenant } from './population'
import { consumerDevice } from './population'
import { Rng, WeightedPicker, clamp, hashString, mixSeed, shuffle } from './random'
import type { GateRef } from './gate'
import { Slots, gatedStream } from './slots'
import { EventSink, bytesFor, normalVerdict, refreshToken, type TrafficHook, type Usage } from './traffic'
import { benign, moderateBomber, modelShift, tokenReuse } from './families'

export { SCENARIO_NAMES, type ScenarioName } from './labels'

const MIN = 60_000

/** Knobs the detection team turns. intensity 2 doubles an attack's rate; subnets/asns/fingerprints shape a farm. */
export interface ScenarioSettings {
  offsetMs?: number
  durationMs?: number
  intensity?: number
  installs?: number
  tenant?: string
  subnets?: number
  asns?: number
  fingerprints?: number
  /** Families (lib/simulator/families.ts): bomber size as a multiple of the feature median, requests per minute, size jitter (log units), id rotation period. */
  contextFactor?: number
  perMinute?: number
  jitter?: number
  rotateMs?: number
  feature?: string
  /** Families, held out: attackers join over this span (staggered recruitment); size ramps from 1x to contextFactor over rampMs; each request picks one of `features`; only this share of requests is oversized. */
  joinSpreadMs?: number
  rampMs?: number
  features?: string[]
  oversizedShare?: number
  /** Farm members pass attestation (a perfect bypass). */
  attestPass?: boolean
  /** model_shift: the pricier model; benign: which look-alike. */
  model?: string
  kind?: 'power_users' | 'corporate_nat' | 'qa_lab' | 'release_burst' | 'batch_feature' | 'token_expired' | 'handover' | 'feature_launch' | 'long_chats'
}

/** Staggered so a short run sees every scenario start separately. */
export const SCENARIO_DEFAULTS: Record<ScenarioName, { offsetMs: number; durationMs: number }> = {
  prompt_bomber: { offsetMs: 5 * MIN, durationMs: 20 * MIN },
  stream_abuse: { offsetMs: 8 * MIN, durationMs: 40 * MIN },
  emulator_farm: { offsetMs: 10 * MIN, durationMs: 30 * MIN },
  cost_spike: { offsetMs: 15 * MIN, durationMs: 60 * MIN },
  token_reuse: { offsetMs: 5 * MIN, durationMs: 20 * MIN },
  model_shift: { offsetMs: 5 * MIN, durationMs: 40 * MIN },
  benign: { offsetMs: 5 * MIN, durationMs: 60 * MIN },
}

export interface Scenario {
  readonly name: ScenarioName
  readonly startMs: number
  readonly endMs: number
  readonly labels: GroundTruthLabel[]
  readonly hook?: TrafficHook
  /** Emits this scenario's events with ts in [t0, t1). */
  tick(sink: EventSink, rng: Rng, t0: number, t1: number): void
}

export interface ScenarioContext {
  seed: number
  startMs: number
  pop: Population
  /** Installs already used by another scenario, so ground truth never overlaps. */
  taken: Set<string>
  settings: ScenarioSettings
  /** The gateway scenarios' streams ask as they open, once one is attached. */
  gate: GateRef
}

interface Frame {
  rng: Rng
  start: number
  end: number
  intensity: number
  tenant: Tenant
  s: ScenarioSettings
}

function frame(name: ScenarioName, ctx: ScenarioContext, tenantFilter: (t: Tenant) => boolean = () => true): Frame {
  const rng = new Rng(mixSeed(ctx.seed, hashString(name)))
  const s = ctx.settings
  const start = ctx.startMs + (s.offsetMs ?? SCENARIO_DEFAULTS[name].offsetMs)
  const candidates = ctx.pop.tenants.filter(tenantFilter)
  const tenant = ctx.pop.tenants.find((t) => t.id === s.tenant) ?? rng.pick(candidates.length ? candidates : ctx.pop.tenants)
  return { rng, start, end: start + (s.durationMs ?? SCENARIO_DEFAULTS[name].durationMs), intensity: clamp(s.intensity ?? 1, 0.05, 50), tenant, s }
}

/** Existing installs of a tenant turned abusive: their history before the attack looks normal. */
function recruit(ctx: ScenarioContext, f: Frame, count: number): Install[] {
  const pool = ctx.pop.installs.filter((i) => i.tenant === f.tenant && !i.rooted && !ctx.taken.has(i.id))
  const chosen: Install[] = []
  while (chosen.length < count && pool.length) chosen.push(...pool.splice(f.rng.int(pool.length), 1))
  for (const i of chosen) ctx.taken.add(i.id)
  return chosen
}

function installLabels(name: ScenarioName, f: Frame, installs: Install[], detail?: GroundTruthLabel['detail']): GroundTruthLabel[] {
  return installs.map((i) => ({
    scenario: name,
    kind: 'install' as const,
    subject: i.id,
    tenant_id: i.tenant.id,
    start_ms: f.start,
    end_ms: f.end,
    ...(detail ? { detail } : {}),
  }))
}

/** A few installs sending 50k-200k token contexts with long outputs, several streams at once (or, with contextFactor, the family's moderate bomber). */
function promptBomber(ctx: ScenarioContext): Scenario {
  if (ctx.settings.contextFactor !== undefined) return moderateBomber(ctx)
  const f = frame('prompt_bomber', ctx, (t) => t.features.some((x) => x.name === 'chat_assistant'))
  const feature = f.tenant.features.find((x) => x.name === 'chat_assistant') ?? f.tenant.features[0]
  const bombers = recruit(ctx, f, ctx.settings.installs ?? 3 + f.rng.int(3))
  const concurrency = Math.max(1, Math.round(4 * f.intensity))
  // One bomber runs a repackaged build: its attestation fails the signature check about half the time.
  const repackaged = (rng: Rng, inst: Install): AttestationReason[] => (rng.chance(0.5) ? ['repackaged', 'signature_mismatch'] : normalVerdict(rng, inst))
  const slots = bombers.map(
    (inst, b) =>
      new Slots(
        (rng, startAt) => {
          if (startAt >= f.end) return null
          const context = Math.round(Math.exp(rng.uniform(Math.log(50_000), Math.log(200_000))))
          const completion = Math.round(rng.uniform(4_000, 16_000))
          const ttft = rng.uniform(800, 3_000)
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          const duration = ttft + (completion / rng.uniform(30, 80)) * 1000
          if (startAt + duration > f.end) return null // every attack event falls inside the labelled window
          const end = rng.chance(0.9) ? 'completed' : 'client_disconnect'
          return gatedStream(
            ctx.gate,
            inst,
            startAt,
            { durationMs: duration, ttftMs: ttft, transport: rng.chance(0.6) ? 'sse' : 'websocket', end },
            u,
            b === 0 ? repackaged : normalVerdict,
          )
        },
        f.rng,
        concurrency,
        () => f.start + f.rng.int(30_000),
      ),
  )
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('prompt_bomber', f, bombers, { feature: feature.name, concurrency }),
    tick(sink, rng, t0, t1) {
      for (const s of slots) s.run(sink, rng, t0, t1)
    },
  }
}

/** Zombie streams held open 30-120 min with few tokens, plus token-heavy streams the client abandons. */
function streamAbuse(ctx: ScenarioContext): Scenario {
  const f = frame('stream_abuse', ctx, (t) => t.features.some((x) => x.name === 'chat_assistant'))
  const feature = f.tenant.features.find((x) => x.name === 'chat_assistant') ?? f.tenant.features[0]
  const abusers = recruit(ctx, f, ctx.settings.installs ?? 4)
  const zombies = Math.max(1, Math.round(10 * f.intensity))
  const heavy = Math.max(1, Math.round(3 * f.intensity))
  const slots: Slots[] = []
  for (const inst of abusers) {
    slots.push(
      new Slots(
        (rng, startAt) => {
          // The first zombies (startAt -1) were opened before the window and surface during its first 5 minutes.
          const ending = startAt < 0 ? f.start + rng.int(5 * MIN) : undefined
          let duration = rng.uniform(30 * MIN, 120 * MIN)
          if (ending === undefined && startAt + duration > f.end) duration = f.end - startAt
          if (duration < 20 * MIN) return null
          const context = Math.round(rng.lognormal(800, 0.5))
          const u: Usage = {
            feature: feature.name,
            model: feature.model,
            context,
            prompt: context,
            completion: 20 + rng.int(380),
            bytes: bytesFor(rng, context),
          }
          const r = rng.next()
          const end = r < 0.5 ? 'client_disconnect' : r < 0.9 ? 'timeout' : 'completed'
          const shape = {
            durationMs: duration,
            ttftMs: rng.uniform(300, 1500),
            transport: rng.chance(0.7) ? ('websocket' as const) : ('sse' as const),
            end: end as typeof end,
          }
          return gatedStream(ctx.gate, inst, ending === undefined ? startAt : ending - duration, shape, u)
        },
        f.rng,
        zombies,
        () => -1,
        f.start,
      ),
    )
    slots.push(
      new Slots(
        (rng, startAt) => {
          if (startAt >= f.end) return null
          const context = Math.round(rng.lognormal(3_000, 0.4))
          const completion = Math.round(rng.uniform(3_000, 9_000))
          const ttft = rng.uniform(300, 900)
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          const wait = rng.uniform(5_000, 30_000) / f.intensity // think time between abandoned answers
          const duration = ttft + (completion / rng.uniform(50, 90)) * 1000
          if (startAt + wait + duration > f.end) return null
          return gatedStream(
            ctx.gate,
            inst,
            startAt + wait,
            { durationMs: duration, ttftMs: ttft, transport: rng.chance(0.5) ? 'sse' : 'websocket', end: rng.chance(0.85) ? 'client_disconnect' : 'completed' },
            u,
          )
        },
        f.rng,
        heavy,
        () => f.start + f.rng.int(20_000),
      ),
    )
  }
  return {
    name: 'stream_abuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('stream_abuse', f, abusers, { feature: feature.name, zombie_streams: zombies, heavy_streams: heavy }),
    tick(sink, rng, t0, t1) {
      for (const s of slots) s.run(sink, rng, t0, t1)
    },
  }
}

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

/** Hundreds of new emulated installs on hosting networks, firing in lockstep. */
function emulatorFarm(ctx: ScenarioContext): Scenario {
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
  const labels: GroundTruthLabel[] = [
    {
      scenario: 'emulator_farm',
      kind: 'cluster',
      subject: cluster,
      tenant_id: f.tenant.id,
      start_ms: f.start,
      end_ms: f.end,
      detail: {
        installs: count,
        period_ms: period,
        ip_prefixes: subnets.map((s) => s.ipPrefix),
        asns: providers.map((p) => String(p.asn)),
        fingerprints: images.map((i) => i.fingerprint),
      },
    },
    ...members.map((m) => ({
      scenario: 'emulator_farm' as const,
      kind: 'install' as const,
      subject: m.inst.id,
      tenant_id: f.tenant.id,
      start_ms: m.createdAt,
      end_ms: f.end,
      detail: { cluster },
    })),
  ]
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

/** A release re-sends chat history: one feature's context grows 2-3x on the new version as installs upgrade. */
function costSpike(ctx: ScenarioContext): Scenario {
  const f = frame('cost_spike', ctx)
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'chat_assistant') ?? f.tenant.features[0]
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const [major, minor] = latest.split('.').map(Number)
  const release = `${major}.${minor + 1}.0`
  const factor = 1 + 1.5 * f.intensity
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  for (const inst of ctx.pop.installs) {
    // Store rollouts reach most installs within the hour; some never update.
    if (inst.tenant === f.tenant && rng.chance(0.85)) upgradeAt[inst.index] = f.start + rng.exponential((15 * MIN) / f.intensity)
  }
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels: [
      {
        scenario: 'cost_spike',
        kind: 'feature',
        subject: `${f.tenant.id}/${feature.name}/${release}`,
        tenant_id: f.tenant.id,
        start_ms: f.start,
        end_ms: f.end,
        detail: { previous_version: latest, context_factor: factor },
      },
    ],
    hook: {
      // Installs recruited by other scenarios keep their version: their attack events report it too.
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] && !ctx.taken.has(inst.id) ? release : version),
      // The bug is mitigated server-side (history truncation) at the end of the window; the version stays.
      contextFactor: (_inst, name, version, ts) => (version === release && name === feature.name && ts < f.end ? factor : 1),
    },
    tick() {},
  }
}

const FACTORIES: Record<ScenarioName, (ctx: ScenarioContext) => Scenario> = {
  prompt_bomber: promptBomber,
  emulator_farm: emulatorFarm,
  cost_spike: costSpike,
  stream_abuse: streamAbuse,
  token_reuse: tokenReuse,
  model_shift: modelShift,
  benign,
}

export function createScenario(name: ScenarioName, ctx: ScenarioContext): Scenario {
  return FACTORIES[name](ctx)
}
