import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { clamp, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { installScenario } from './redteam-streams'
import { plainCall } from './redteam4-calls'
import { redTeam4Reuse, type RedTeam4ReuseKind } from './redteam4-reuse'
import { redTeam4Cost, type RedTeam4CostKind } from './redteam4-cost'
import { redTeam4Benign, type RedTeam4BenignKind } from './redteam4-benign'

/**
 * Red team, round 4 (issue #15): held-out variants written from the threat model
 * (/work/shared/background) and the event contract (docs/events.md) alone, before
 * the detectors were run on them and without reading their code. Each is what a
 * person looking at the data would call abuse, or clearly benign.
 *
 * This file: bombing and farms. `rt4_bomb_output` bombs through the output side: short
 * prompts asking a non-streaming feature for max-length answers. `rt4_bomb_paced` paces
 * itself under any per-minute rate (one request every 2 min) at 8x the context, for 40 min.
 * `rt4_farm_aged` registered its installs during the history (a few calls each) and wakes
 * them all in one minute; `rt4_farm_aged_spread` does the same with a different real phone per install, each on its own
 * /24 of the host (added in session 25, after the wake statistic, to test what it still missed). `rt4_farm_jitter_lockstep` fires every 60 s ± 15 s with identical
 * request shapes, attestation passing, 2 device builds, residential proxies.
 * `rt4_stream_abandoned`: 30 installs each open one huge stream once and disconnect.
 * Token reuse: redteam4-reuse.ts; cost: redteam4-cost.ts; look-alikes: redteam4-benign.ts.
 */
export type RedTeam4Kind =
  | 'rt4_bomb_output'
  | 'rt4_bomb_paced'
  | 'rt4_farm_aged'
  | 'rt4_farm_aged_spread'
  | 'rt4_farm_jitter_lockstep'
  | 'rt4_stream_abandoned'
  | RedTeam4ReuseKind
  | RedTeam4CostKind
  | RedTeam4BenignKind

/** A hosting provider none of the earlier rounds used (Contabo). */
const CONTABO = { asn: 51167, country: 'DE', first: [161, 173, 207] }

/** Output-side bombing: a ~250-token prompt asking for an answer at the output cap (4,096), 3 a minute, no stream. */
function outputBomber(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, f.rng)
  const perMinute = f.s.perMinute ?? 3
  return installScenario('prompt_bomber', f, bombers, { feature: feature.name, kind: 'rt4_bomb_output' }, (sink, rng, t0, t1) => {
    const a = Math.max(t0, f.start)
    const b = Math.min(t1, f.end)
    if (b <= a) return
    for (const inst of bombers) {
      const n = rng.poisson((perMinute * (b - a)) / MIN)
      for (let k = 0; k < n; k++) {
        const context = Math.round(rng.lognormal(250, 0.3))
        const completion = Math.round(clamp(rng.uniform(3_500, 4_300), 0, 4_096))
        plainCall(sink, rng, inst, a + rng.int(b - a), feature, context, completion)
      }
    }
  })
}

/** A paced bomber: one streamed chat call every 120 s ± 20 s per install, 8x the median context, answers of usual size. */
function pacedBomber(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const bombers = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const factor = f.s.contextFactor ?? 8
  const nextAt = bombers.map(() => f.start + f.rng.int(2 * MIN))
  const detail = { feature: feature.name, kind: 'rt4_bomb_paced', context_factor: factor }
  return installScenario('prompt_bomber', f, bombers, detail, (sink, rng, t0, t1, open) => {
    bombers.forEach((inst, i) => {
      while (nextAt[i] < Math.min(t1, f.end)) {
        const ts = Math.max(t0, nextAt[i])
        nextAt[i] = ts + 100_000 + rng.int(40_000)
        const context = Math.round(p.ctx * factor * Math.exp(rng.uniform(-0.15, 0.15)))
        const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
        const duration = Math.round(2_000 + (completion / rng.uniform(30, 60)) * 1000)
        if (ts + duration > f.end) continue
        refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
        const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
        open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
      }
    })
  })
}

interface FarmMember {
  inst: Install
  createdAt: number
  /** Calls made at registration (during the history), for the aged farm. */
  early: number[]
  wakeAt: number
  perMinute: number
  /** Jittered lockstep: the member's next call. */
  nextAt: number
}

/**
 * Aged: 60 installs registered one by one during the history (first launch and 1-3 calls each, then silent), one
 * device build, 6 /24s of one hosting ASN; at the frame's start all wake within one minute and call the chat
 * feature at 1.5-2.5 a minute. Aged spread: the same, but each member spoofs its own phone (drawn from the usual mix
 * of Android builds) on its own /24 of the host. Jittered lockstep: 70 new installs joining over 4 min on residential proxies of the
 * tenant's home country (each its own carrier /24), 2 device builds, every member calling once a minute at the
 * minute's tick ± 15 s, the same request each time (1,400 tokens ± 3 %, answer 500 ± 5 %).
 */
function farm(ctx: ScenarioContext, f: Frame, kind: 'rt4_farm_aged' | 'rt4_farm_aged_spread' | 'rt4_farm_jitter_lockstep'): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const aged = kind !== 'rt4_farm_jitter_lockstep'
  // Spread: one build and one /24 per member (a different real phone each, ~1 member per /24 of the host).
  const spread = kind === 'rt4_farm_aged_spread'
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const count = f.s.installs ?? (aged ? 60 : 70)
  const builds = Array.from({ length: spread ? count : aged ? 1 : 2 }, () => consumerDevice(rng, 'android'))
  const subnets = Array.from({ length: spread ? count : 6 }, () => ({
    asn: CONTABO.asn,
    country: CONTABO.country,
    ipPrefix: `${rng.pick(CONTABO.first)}.${rng.int(256)}.${rng.int(256)}.0/24`,
  }))
  const home = f.tenant.countries[0][0]
  // The history the eval gives (tests/eval/family-case.ts HISTORY): registrations spread over its first 30 minutes.
  const historyStart = f.start - 40 * MIN
  const members: FarmMember[] = []
  for (let n = 0; n < count; n++) {
    const net = spread ? subnets[n] : aged ? rng.pick(subnets) : { ...residentialNetwork(rng, home), country: home }
    const inst = freshInstall(rng, f.tenant, known, net, { ...(spread ? builds[n] : rng.pick(builds)), fingerprint: rng.hex(32) })
    const createdAt = aged ? historyStart + 2 * MIN + rng.int(28 * MIN) : f.start + rng.int(4 * MIN)
    const early = aged ? Array.from({ length: 1 + rng.int(3) }, () => createdAt + rng.int(3 * MIN)) : []
    members.push({ inst, createdAt, early, wakeAt: aged ? f.start + rng.int(MIN) : createdAt, perMinute: 1.5 + rng.next(), nextAt: Infinity })
  }
  const phase = f.start + rng.int(MIN)
  /** The farm's first minute tick at least 20 s after `after`, ± 15 s. */
  const nextTick = (after: number, r: Rng) => {
    const k = Math.max(0, Math.ceil((after + 20_000 - phase) / MIN))
    return Math.round(phase + k * MIN + r.uniform(-15_000, 15_000))
  }
  for (const m of members) if (!aged) m.nextAt = Math.max(m.createdAt + 1, nextTick(m.createdAt, rng))
  const cluster = `${f.tenant.id}:rt4-${kind}-${rng.hex(6)}`
  // Members labelled from the wake (aged) or the install's creation: when the farm's behaviour is observable.
  const labels = farmLabels(
    members.map((m) => ({ inst: m.inst, createdAt: m.wakeAt })),
    cluster,
    f,
    { installs: count, kind },
  )
  const passing = () => []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, r, t0, t1) {
      for (const m of members) {
        const times: number[] = []
        if (m.createdAt >= t0 && m.createdAt < t1) times.push(-m.createdAt) // first launch: attestation only
        for (const t of m.early) if (t >= t0 && t < t1) times.push(t)
        const from = Math.max(t0, m.wakeAt)
        const to = Math.min(t1, f.end)
        if (aged && to > from) {
          if (m.wakeAt >= t0) times.push(m.wakeAt)
          const n = r.poisson((m.perMinute * (to - from)) / MIN)
          for (let k = 0; k < n; k++) times.push(from + r.int(to - from))
        }
        // Lockstep: the member's k-th call at the farm's k-th minute tick ± 15 s (drawn when the previous one is sent).
        while (!aged && m.nextAt < Math.min(t1, f.end)) {
          if (m.nextAt >= t0) times.push(m.nextAt)
          m.nextAt = nextTick(m.nextAt, r)
        }
        for (const t of times) {
          if (t < 0) {
            refreshToken(sink, r, m.inst, m.inst.appVersion, -t, passing)
            continue
          }
          refreshToken(sink, r, m.inst, m.inst.appVersion, t, passing, feature.name)
          if (aged) normalCall(sink, r, m.inst, m.inst.appVersion, t, feature)
          else plainCall(sink, r, m.inst, t, feature, Math.round(1_400 * r.uniform(0.97, 1.03)), Math.round(500 * r.uniform(0.95, 1.05)))
        }
      }
    },
  }
}

/**
 * 30 of the tenant's installs, each opening one huge chat stream once, at some minute of the frame's first 10: a
 * 40k-120k-token prompt, the first token after 3-8 s, and the client gone after 20-60 s (the gateway ends the stream
 * `client_disconnect`, costed for the prompt and the ~40 tokens a second generated until then).
 */
function abandonedStreams(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const abusers = recruitFrom(ctx, f.tenant, f.s.installs ?? 30, f.rng)
  const openAt = abusers.map(() => f.start + f.rng.int(10 * MIN))
  return installScenario('stream_abuse', f, abusers, { feature: feature.name, kind: 'rt4_stream_abandoned' }, (sink, rng, t0, t1, open) => {
    abusers.forEach((inst, i) => {
      const ts = openAt[i]
      if (ts < t0 || ts >= t1) return
      const context = Math.round(Math.exp(rng.uniform(Math.log(40_000), Math.log(120_000))))
      const ttft = Math.round(rng.uniform(3_000, 8_000))
      const duration = Math.round(rng.uniform(20_000, 60_000))
      const completion = Math.round(((duration - ttft) / 1000) * rng.uniform(35, 45))
      refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
      const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
      open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000, end: { reason: 'client_disconnect', ttftMs: ttft } })
    })
  })
}

export function redTeam4Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam4Kind): Scenario {
  if (kind === 'rt4_bomb_output') return outputBomber(ctx, f)
  if (kind === 'rt4_bomb_paced') return pacedBomber(ctx, f)
  if (kind === 'rt4_farm_aged' || kind === 'rt4_farm_aged_spread' || kind === 'rt4_farm_jitter_lockstep') return farm(ctx, f, kind)
  if (kind === 'rt4_stream_abandoned') return abandonedStreams(ctx, f)
  if (kind.startsWith('rt4_reuse_')) return redTeam4Reuse(ctx, f, kind as RedTeam4ReuseKind)
  if (kind.startsWith('rt4_cost_')) return redTeam4Cost(ctx, f, kind as RedTeam4CostKind)
  return redTeam4Benign(ctx, f, kind as RedTeam4BenignKind)
}
