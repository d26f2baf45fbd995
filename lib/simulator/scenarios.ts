import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel, ScenarioName } from './labels'
import type { Install, Population } from './population'
import { Rng } from './random'
import type { GateRef } from './gate'
import { Slots, gatedStream } from './slots'
import { EventSink, bytesFor, normalVerdict, type TrafficHook, type Usage } from './traffic'
import { benign, moderateBomber, modelShift, tokenReuse } from './families'
import { emulatorFarm } from './emulator-farm'
import { redTeamScenario, type RedTeamKind } from './families-redteam'
import { MIN, featureLabel, frame, installLabels, recruit } from './scenario-frame'

export { SCENARIO_NAMES, type ScenarioName } from './labels'
export { SCENARIO_DEFAULTS } from './scenario-frame'

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
  /** Release families (families-release.ts): share of the tenant's installs that adopt it, share of its calls sent twice. */
  installShare?: number
  repeatShare?: number
  /** Price family (families-price.ts): what the gateway bills per catalog micro-dollar on the model (`model`, else the feature's). */
  billedFactor?: number
  /** Held-out red-team families for the non-bombing detectors (families-redteam.ts). */
  redteam?: RedTeamKind
  /** stream_concurrent red team: long streams each abuser holds open at once (default 6). */
  concurrent?: number
  /** Red team 5's verbose release (redteam5-cost.ts): how many times longer the new version's answers are (default 2). */
  completionFactor?: number
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
    labels: [featureLabel('cost_spike', f, `${feature.name}/${release}`, { previous_version: latest, context_factor: factor })],
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
  if (ctx.settings.redteam) return redTeamScenario(name, ctx, ctx.settings.redteam)
  return FACTORIES[name](ctx)
}
