import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { clamp } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, frameOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { PROGRESS_MS } from './slots'
import { featureLabel } from './scenario-frame'

export { benign } from './benign'

/**
 * Scenarios for evaluation families (tests/eval/families.ts): attacks whose
 * intensity, spread, duration and evasion are knobs, and benign look-alikes
 * that must not alert. Written from the threat model, not from the detectors:
 * each one is what an attacker (or an honest crowd) would plausibly send.
 */
/**
 * Prompt bombing at `contextFactor` × the feature's median context, from
 * `installs` installs (existing ones, or fresh ids rotated every `rotateMs`
 * sharing one device and network), `perMinute` requests each, with ±`jitter`
 * spread of sizes. Plain requests (no streams), so sizes are seen when sent.
 */
export function moderateBomber(ctx: ScenarioContext): Scenario {
  const f = frameOf('prompt_bomber', ctx, 30 * MIN)
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const count = clamp(f.s.installs ?? 3, 1, 500)
  const rotate = f.s.rotateMs ?? 0
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const labels: GroundTruthLabel[] = []
  const spread = f.s.joinSpreadMs ?? 0
  // Each attacker: a list of identities over time (one if not rotating), and when it joins (staggered recruitment).
  const attackers = (rotate ? [] : recruitFrom(ctx, f.tenant, count, f.rng)).map((inst) => {
    const from = spread ? f.start + f.rng.int(spread) : f.start
    return { from, ids: [{ inst, from }] }
  })
  if (rotate) {
    for (let a = 0; a < count; a++) {
      const net = { ...residentialNetwork(f.rng, 'US'), country: 'US' }
      const device = { ...consumerDevice(f.rng, 'android'), fingerprint: f.rng.hex(32) }
      const ids = []
      for (let t = f.start; t < f.end; t += rotate) ids.push({ inst: freshInstall(f.rng, f.tenant, known, net, device), from: t })
      attackers.push({ from: f.start, ids })
    }
  }
  const features = (f.s.features ?? []).map((name) => f.tenant.features.find((x) => x.name === name) ?? feature)
  for (const a of attackers)
    a.ids.forEach((id, k) =>
      labels.push({
        scenario: 'prompt_bomber',
        kind: 'install',
        subject: id.inst.id,
        tenant_id: f.tenant.id,
        start_ms: id.from,
        end_ms: Math.min(f.end, id.from + (rotate || f.end)),
        detail: { feature: feature.name },
      }),
    )
  const factor = f.s.contextFactor ?? 3
  const perMinute = f.s.perMinute ?? 4
  const jitter = f.s.jitter ?? 0.25
  const ramp = f.s.rampMs ?? 0
  const share = f.s.oversizedShare
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, rng, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      for (const a of attackers) {
        const lo = Math.max(t0, a.from)
        const hi = Math.min(t1, f.end)
        if (hi <= lo) continue
        const n = rng.poisson((perMinute * (hi - lo)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = lo + rng.int(Math.max(1, hi - lo))
          const id = [...a.ids].reverse().find((x) => x.from <= ts) ?? a.ids[0]
          const spec = features.length ? features[rng.int(features.length)] : feature
          const q = spec === feature ? p : profileOf(spec.name)
          // A slow ramp: the size grows from 1x to `factor` (log-linearly) over `ramp` from the attacker's start.
          const x = ramp ? Math.exp(Math.log(factor) * Math.min(1, (ts - a.from) / ramp)) : factor
          const oversized = share === undefined || rng.chance(share)
          const context = oversized
            ? Math.round(q.ctx * x * Math.exp(rng.uniform(-jitter, jitter)))
            : Math.max(16, Math.round(rng.lognormal(q.ctx, q.ctxSigma)))
          const completion = Math.round(clamp(rng.lognormal(q.out, q.outSigma), 8, 4096))
          const u: Usage = { feature: spec.name, model: spec.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          refreshToken(sink, rng, id.inst, id.inst.appVersion, ts, normalVerdict, spec.name)
          sink.request(id.inst, id.inst.appVersion, ts, u, 'served', 800 + completion * 10)
        }
      }
    },
  }
}

/**
 * A stolen install token used beside its owner: the owner keeps calling from
 * home, the thief from a hosting network abroad, interleaved and overlapping
 * (the thief streams). `installs` tokens stolen. A thief stream opens at its
 * draw and, like any stream through the gateway (docs/events.md), is reported
 * once open PROGRESS_MS and again when it closes 15-45 s later.
 */
export function tokenReuse(ctx: ScenarioContext): Scenario {
  const f = frameOf('token_reuse', ctx, 20 * MIN)
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const victims = recruitFrom(ctx, f.tenant, clamp(f.s.installs ?? 3, 1, 100), f.rng)
  const perMinute = f.s.perMinute ?? 3
  const thieves = victims.map((v) => ({ ...v, ipPrefix: `185.${100 + f.rng.int(50)}.${f.rng.int(256)}.0/24`, asn: 9009, country: 'RO' }))
  const open: { inst: Install; u: Usage; start: number; duration: number; id: string; reported: boolean }[] = []
  return {
    name: 'token_reuse',
    startMs: f.start,
    endMs: f.end,
    labels: victims.map((v) => ({
      scenario: 'token_reuse',
      kind: 'install',
      subject: v.id,
      tenant_id: f.tenant.id,
      start_ms: f.start,
      end_ms: f.end,
      detail: { feature: feature.name },
    })),
    tick(sink, rng, t0, t1) {
      // Thief streams opened earlier: their progress report and close falling in this tick.
      for (let j = open.length - 1; j >= 0; j--) {
        const o = open[j]
        const at = o.start + PROGRESS_MS
        if (!o.reported && o.duration > PROGRESS_MS && at >= t0 && at < t1) {
          sink.streamProgress(
            o.inst,
            o.inst.appVersion,
            at,
            { ...o.u, completion: Math.round((o.u.completion * PROGRESS_MS) / o.duration) },
            'sse',
            PROGRESS_MS,
            500,
            o.id,
          )
          o.reported = true
        }
        const end = o.start + o.duration
        if (end >= t0 && end < t1) {
          sink.stream(o.inst, o.inst.appVersion, end, o.u, 'sse', o.duration, 500, 'completed', undefined, o.id)
          open.splice(j, 1)
        }
      }
      if (t1 <= f.start || t0 >= f.end) return
      const a = Math.max(t0, f.start)
      const b = Math.min(t1, f.end)
      victims.forEach((owner, i) => {
        for (const inst of [owner, thieves[i]]) {
          const n = rng.poisson((perMinute * (b - a)) / MIN)
          for (let k = 0; k < n; k++) {
            const ts = a + rng.int(Math.max(1, b - a))
            const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
            const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
            const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
            if (inst === owner) sink.request(inst, inst.appVersion, ts, u, 'served', 900)
            else open.push({ inst, u, start: ts, duration: 15_000 + rng.int(30_000), id: sink.streamId(), reported: false })
          }
        }
      })
    },
  }
}

/** A feature's traffic moves to a pricier model (a config push), for every install of the tenant. */
export function modelShift(ctx: ScenarioContext): Scenario {
  return modelShiftOf(ctx, frameOf('model_shift', ctx, 40 * MIN), 1)
}

/**
 * `share` of a feature's calls (the tenant's installs not taken by another scenario) go to a pricier model: all of
 * them for a config push, some for a partial push or an A/B test (a hash of the call's time picks which).
 */
export function modelShiftOf(ctx: ScenarioContext, f: Frame, share: number): Scenario {
  const feature = featureOf(f)
  const pricier = f.s.model ?? 'gpt-4o'
  return {
    name: 'model_shift',
    startMs: f.start,
    endMs: f.end,
    labels: [featureLabel('model_shift', f, `${feature.name}/*`, { from: feature.model, to: pricier, ...(share < 1 ? { share } : {}) })],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) =>
        inst.tenant === f.tenant &&
        name === feature.name &&
        ts >= f.start &&
        ts < f.end &&
        !ctx.taken.has(inst.id) &&
        (share >= 1 || (Math.imul(ts % 1_000_003, 2654435761) >>> 0) % 100 < share * 100)
          ? pricier
          : model,
    },
    tick() {},
  }
}
