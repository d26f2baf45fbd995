import type { Install } from './population'
import { clamp, weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, type Frame } from './family-frame'
import { installLabels } from './scenario-frame'
import { nextVersion } from './families-release'
import { installScenario } from './redteam-streams'
import { tenantUser } from './redteam4-people'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 5 (families-redteam5.ts): benign look-alikes, written from the threat model before the detectors
 * were run on them. None is abuse: each is what people (or an honest release) do, shaped like one of this round's
 * attacks.
 *
 * - `rt5_benign_evening_peak`: dinner time; 400 of the tenant's users who did not use the app all afternoon open it over
 *   10 minutes, for a 12-25 minute session each, mostly to use one feature (translate on a travel app: menus, signs),
 *   at a person's rate, ordinary sizes, each on their own phone, carrier and version. The feature's users nearly triple
 *   for half an hour (2.7x at the peak in the eval's case); no one sends more, or bigger, than usual. (The hit-and-run raid and the farm, done by people.)
 * - `rt5_benign_fast_rollout`: a new app version reaches half of the tenant's installs within 20 minutes (a forced
 *   update); each updated app starts without a token and attests again on its next call, with the new version. A
 *   version never seen before, appearing on many installs at once, sizes unchanged. (The repackaged build, honestly.)
 * - `rt5_benign_tablet_compare`: 30 iPad users of a tablet layout that answers every question in two panes side by
 *   side: two streams of one install opened within 0.4 s of each other, the same prompt, two answers of usual size.
 *   Used this way all along (the case starts it with the history). (Overlapping calls of one token, one network.)
 * - `rt5_benign_try_long_doc`: a video shows "summarize any PDF": 150 viewers install the app over the frame and try
 *   it once or twice on a long document (3-5x the feature's median context), look around a little (0-3 ordinary
 *   calls), and leave. (New installs sending big prompts briefly, once, not a raid.)
 */
export type RedTeam5BenignKind = 'rt5_benign_evening_peak' | 'rt5_benign_fast_rollout' | 'rt5_benign_tablet_compare' | 'rt5_benign_try_long_doc'

/** Tablet models of the iPad layout, and recent iPadOS versions they run. */
const IPADS = ['iPad13,18', 'iPad14,5', 'iPad16,3']
const IPADOS = ['17.6.1', '18.1.1', '18.2']

interface Visit {
  inst: Install
  join: number
  leave: number
  perMinute: number
}

function eveningPeak(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const visits: Visit[] = Array.from({ length: f.s.installs ?? 400 }, () => {
    const join = f.start + rng.int(10 * MIN)
    return { inst: tenantUser(rng, f.tenant, known), join, leave: Math.min(f.end, join + 12 * MIN + rng.int(13 * MIN)), perMinute: 0.2 + 0.5 * rng.next() }
  })
  const others = f.tenant.features.map((x) => [x, x.weight] as const)
  const installs = visits.map((v) => v.inst)
  return installScenario('benign', f, installs, { kind: 'rt5_benign_evening_peak', feature: feature.name }, (sink, r, t0, t1) => {
    for (const v of visits) {
      const from = Math.max(t0, v.join)
      const to = Math.min(t1, v.leave)
      if (to <= from) continue
      // The first call as the app opens, then at the person's rate; 8 calls in 10 on the evening's feature.
      const times = v.join >= t0 && v.join < t1 ? [v.join] : []
      for (let k = r.poisson((v.perMinute * (to - from)) / MIN); k > 0; k--) times.push(from + r.int(to - from))
      for (const ts of times) {
        const spec = r.chance(0.8) ? feature : weightedPick(r, others)
        refreshToken(sink, r, v.inst, v.inst.appVersion, ts, normalVerdict, spec.name)
        normalCall(sink, r, v.inst, v.inst.appVersion, ts, spec)
      }
    }
  })
}

function fastRollout(ctx: ScenarioContext, f: Frame): Scenario {
  const release = nextVersion(f)
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  const adopters = ctx.pop.installs.filter((i) => i.tenant === f.tenant && !ctx.taken.has(i.id) && f.rng.chance(0.5))
  for (const inst of adopters) upgradeAt[inst.index] = f.start + f.rng.int(20 * MIN)
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('benign', f, adopters, { kind: 'rt5_benign_fast_rollout', app_version: release, install_share: 0.5 }),
    hook: {
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
      contextFactor: () => 1,
    },
    tick(_sink, _r, t0, t1) {
      // The updated app has no token yet: its next call attests again (with the new version).
      for (const inst of adopters) if (upgradeAt[inst.index] >= t0 && upgradeAt[inst.index] < t1) inst.tokenExpiresAt = 0
    },
  }
}

function tabletCompare(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const people = Array.from({ length: f.s.installs ?? 30 }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    // tenantUser drew the platform by the tenant's mix: these are iPads, whatever it drew.
    Object.assign(inst, { platform: 'ios', deviceModel: rng.pick(IPADS), osVersion: rng.pick(IPADOS) })
    return { inst, next: f.start + rng.int(2 * MIN) }
  })
  const installs = people.map((x) => x.inst)
  return installScenario('benign', f, installs, { kind: 'rt5_benign_tablet_compare', feature: feature.name }, (sink, r, t0, t1, open) => {
    for (const person of people)
      while (person.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, person.next)
        const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
        const bytes = bytesFor(r, context)
        // Two panes, one question: the same prompt, two answers, the second stream opened 50-400 ms after the first.
        const panes = [0, 50 + r.int(350)].map((lag) => {
          const completion = Math.round(clamp(r.lognormal(p.out, p.outSigma), 8, 4096))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes }
          return { u, start: ts + lag, duration: Math.round(600 + (completion / r.uniform(30, 60)) * 1000) }
        })
        const longest = Math.max(...panes.map((x) => x.start + x.duration))
        // Reading both answers, then the next question.
        person.next = longest + Math.round(r.exponential(MIN))
        if (longest >= f.end) continue
        refreshToken(sink, r, person.inst, person.inst.appVersion, ts, normalVerdict, feature.name)
        for (const x of panes) open.push({ inst: person.inst, u: x.u, start: x.start, duration: x.duration, id: sink.streamId(), nextReport: x.start + 30_000 })
      }
  })
}

function tryLongDoc(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const others = f.tenant.features.map((x) => [x, x.weight] as const)
  // Each viewer's visit planned up front: one or two long documents, then 0-3 ordinary calls, 1-3 min apart.
  const viewers = Array.from({ length: f.s.installs ?? 150 }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    let at = f.start + rng.int(Math.max(1, f.end - f.start - 5 * MIN))
    const calls: { ts: number; long: boolean }[] = [{ ts: at, long: true }]
    if (rng.chance(0.5)) calls.push({ ts: (at += MIN + rng.int(2 * MIN)), long: true })
    for (let k = rng.int(4); k > 0; k--) calls.push({ ts: (at += MIN + rng.int(2 * MIN)), long: false })
    // A visit that would run past the frame is cut there (the person is still looking when the case ends).
    return { inst, calls: calls.filter((c) => c.ts < f.end) }
  })
  const installs = viewers.map((v) => v.inst)
  return installScenario('benign', f, installs, { kind: 'rt5_benign_try_long_doc', feature: feature.name }, (sink, r, t0, t1, open) => {
    for (const v of viewers)
      while (v.calls.length && v.calls[0].ts < t1) {
        const c = v.calls.shift()!
        const ts = Math.max(t0, c.ts)
        if (!c.long) {
          const spec = weightedPick(r, others)
          sendCall(sink, r, open, v.inst, ts, spec, ordinarySize(r, spec), f.end)
          continue
        }
        // A long PDF: 3-5x the feature's median context; its summary somewhat longer than usual.
        const size = { context: p.ctx * r.uniform(3, 5), completion: clamp(r.lognormal(p.out * 1.5, p.outSigma), 8, 4096) }
        sendCall(sink, r, open, v.inst, ts, feature, size, f.end)
      }
  })
}

export function redTeam5Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam5BenignKind): Scenario {
  if (kind === 'rt5_benign_evening_peak') return eveningPeak(ctx, f)
  if (kind === 'rt5_benign_fast_rollout') return fastRollout(ctx, f)
  if (kind === 'rt5_benign_tablet_compare') return tabletCompare(ctx, f)
  return tryLongDoc(ctx, f)
}
