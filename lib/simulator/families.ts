import type { GroundTruthLabel } from './labels'
import type { Install, Tenant } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { Rng, clamp, hashString, mixSeed } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { PROGRESS_MS } from './slots'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'

/**
 * Scenarios for evaluation families (tests/eval/families.ts): attacks whose
 * intensity, spread, duration and evasion are knobs, and benign look-alikes
 * that must not alert. Written from the threat model, not from the detectors:
 * each one is what an attacker (or an honest crowd) would plausibly send.
 */
const MIN = 60_000

interface Frame {
  rng: Rng
  start: number
  end: number
  tenant: Tenant
  s: ScenarioContext['settings']
}

function frameOf(name: string, ctx: ScenarioContext, defaultDuration: number): Frame {
  const rng = new Rng(mixSeed(ctx.seed, hashString(name)))
  const s = ctx.settings
  const start = ctx.startMs + (s.offsetMs ?? 5 * MIN)
  const tenant = ctx.pop.tenants.find((t) => t.id === s.tenant) ?? ctx.pop.tenants[0]
  return { rng, start, end: start + (s.durationMs ?? defaultDuration), tenant, s }
}

function freshInstall(
  rng: Rng,
  tenant: Tenant,
  known: Set<string>,
  net?: { ipPrefix: string; asn: number; country: string },
  device?: { deviceModel: string; osVersion: string; fingerprint: string },
): Install {
  let id: string
  do id = `i-${rng.hex(16)}`
  while (known.has(id))
  known.add(id)
  const country = net?.country ?? tenant.countries[0][0]
  return {
    index: -1,
    id,
    tenant,
    appVersion: tenant.versions[tenant.versions.length - 1],
    platform: 'android',
    ...(device ?? { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) }),
    ...(net ?? { ...residentialNetwork(rng, country), country }),
    tzHours: 0,
    activity: 0,
    tokenExpiresAt: 0,
    rooted: false,
  }
}

function recruitFrom(ctx: ScenarioContext, tenant: Tenant, count: number, rng: Rng): Install[] {
  const pool = ctx.pop.installs.filter((i) => i.tenant === tenant && !i.rooted && !ctx.taken.has(i.id))
  const out: Install[] = []
  while (out.length < count && pool.length) out.push(...pool.splice(rng.int(pool.length), 1))
  for (const i of out) ctx.taken.add(i.id)
  return out
}

const featureOf = (f: Frame) => f.tenant.features.find((x) => x.name === (f.s.feature ?? 'chat_assistant')) ?? f.tenant.features[0]

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
  // Each attacker: a list of identities over time (one if not rotating).
  const attackers = (rotate ? [] : recruitFrom(ctx, f.tenant, count, f.rng)).map((inst) => ({ ids: [{ inst, from: f.start }] }))
  if (rotate) {
    for (let a = 0; a < count; a++) {
      const net = { ...residentialNetwork(f.rng, 'US'), country: 'US' }
      const device = { ...consumerDevice(f.rng, 'android'), fingerprint: f.rng.hex(32) }
      const ids = []
      for (let t = f.start; t < f.end; t += rotate) ids.push({ inst: freshInstall(f.rng, f.tenant, known, net, device), from: t })
      attackers.push({ ids })
    }
  }
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
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, rng, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      for (const a of attackers) {
        const n = rng.poisson((perMinute * (Math.min(t1, f.end) - Math.max(t0, f.start))) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = Math.max(t0, f.start) + rng.int(Math.max(1, Math.min(t1, f.end) - Math.max(t0, f.start)))
          const id = [...a.ids].reverse().find((x) => x.from <= ts) ?? a.ids[0]
          const context = Math.round(p.ctx * factor * Math.exp(rng.uniform(-jitter, jitter)))
          const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          refreshToken(sink, rng, id.inst, id.inst.appVersion, ts, normalVerdict, feature.name)
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
  const f = frameOf('model_shift', ctx, 40 * MIN)
  const feature = featureOf(f)
  const pricier = f.s.model ?? 'gpt-4o'
  const original = feature.model
  return {
    name: 'model_shift',
    startMs: f.start,
    endMs: f.end,
    labels: [
      {
        scenario: 'model_shift',
        kind: 'feature',
        subject: `${f.tenant.id}/${feature.name}/*`,
        tenant_id: f.tenant.id,
        start_ms: f.start,
        end_ms: f.end,
        detail: { from: original, to: pricier },
      },
    ],
    hook: {
      appVersion: (_i, v) => v,
      contextFactor: () => 1,
      model: (inst, name, model, ts) =>
        inst.tenant === f.tenant && name === feature.name && ts >= f.start && ts < f.end && !ctx.taken.has(inst.id) ? pricier : model,
    },
    tick() {},
  }
}

/**
 * Benign look-alikes, labelled `benign` so scoring can tell an alert on them
 * from one on ordinary traffic. `kind` picks one; all must raise nothing.
 */
export function benign(ctx: ScenarioContext): Scenario {
  const f = frameOf('benign', ctx, 60 * MIN)
  const kind = f.s.kind ?? 'power_users'
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const tenant = f.tenant
  const actors: { inst: Install; perMinute: number; feature?: string; factor?: number }[] = []
  if (kind === 'power_users') {
    for (const inst of recruitFrom(ctx, tenant, 10, rng)) actors.push({ inst, perMinute: 6 + rng.int(10) })
  } else if (kind === 'corporate_nat') {
    const net = { ipPrefix: `198.51.${rng.int(200)}.0/24`, asn: 3356, country: 'US' }
    for (let i = 0; i < 80; i++)
      actors.push({
        inst: freshInstall(rng, tenant, known, net, { ...consumerDevice(rng, rng.chance(0.5) ? 'ios' : 'android'), fingerprint: rng.hex(32) }),
        perMinute: 0.3 + rng.next(),
      })
  } else if (kind === 'qa_lab') {
    const net = { ipPrefix: `203.0.${rng.int(200)}.0/24`, asn: 64500, country: 'US' }
    for (let i = 0; i < 8; i++)
      actors.push({
        inst: freshInstall(rng, tenant, known, net, { ...consumerDevice(rng, i % 2 ? 'ios' : 'android'), fingerprint: rng.hex(32) }),
        perMinute: 3,
      })
  } else if (kind === 'release_burst') {
    for (let i = 0; i < 300; i++) actors.push({ inst: freshInstall(rng, tenant, known), perMinute: 0.3 + rng.next() * 0.5 })
  } else if (kind === 'batch_feature') {
    for (const inst of recruitFrom(ctx, tenant, 6, rng)) actors.push({ inst, perMinute: 2, feature: 'batch_report', factor: 20 })
  }
  const handovers: { inst: Install; at: number; to: { ipPrefix: string; asn: number }; done: boolean }[] = []
  if (kind === 'handover') {
    for (const inst of recruitFrom(ctx, tenant, 20, rng)) {
      actors.push({ inst, perMinute: 2 })
      handovers.push({ inst, at: f.start + rng.int(f.end - f.start), to: residentialNetwork(rng, inst.country), done: false })
    }
  }
  const labels: GroundTruthLabel[] = actors.map((a) => ({
    scenario: 'benign',
    kind: 'install',
    subject: a.inst.id,
    tenant_id: tenant.id,
    start_ms: f.start,
    end_ms: f.end,
    detail: { kind },
  }))
  const joinAt = actors.map(() => f.start + (kind === 'release_burst' ? rng.int(5 * MIN) : rng.int(MIN)))
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels,
    hook:
      kind === 'token_expired'
        ? {
            appVersion: (_i, v) => v,
            contextFactor: () => 1,
            verdict: (_inst, ts) => (ts >= f.start && ts < f.end && rng.chance(0.35) ? ['token_expired'] : null),
          }
        : undefined,
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      actors.forEach((a, i) => {
        const from = Math.max(t0, joinAt[i])
        const to = Math.min(t1, f.end)
        if (to <= from) return
        const n = r.poisson((a.perMinute * (to - from)) / MIN)
        const spec = a.feature ? { name: a.feature, model: 'gemini-2.5-flash', weight: 1 } : tenant.features[r.int(tenant.features.length)]
        for (let k = 0; k < n; k++) {
          const ts = from + r.int(to - from)
          refreshToken(sink, r, a.inst, a.inst.appVersion, ts, normalVerdict, spec.name)
          normalCall(sink, r, a.inst, a.inst.appVersion, ts, spec, a.factor ?? 1)
        }
      })
      // The network handover: each phone leaves wifi for cellular once, for good.
      handovers.forEach((h) => {
        if (!h.done && t0 >= h.at) {
          Object.assign(h.inst, h.to)
          h.done = true
        }
      })
    },
  }
}
