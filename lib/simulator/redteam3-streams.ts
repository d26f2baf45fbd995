import type { Install } from './population'
import { residentialNetwork } from './population'
import { clamp, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, recruitFrom, type Frame } from './family-frame'
import { featureLabel, installLabels } from './scenario-frame'
import { nextVersion } from './families-release'
import { runStreams, type HeldStream } from './redteam-streams'

/**
 * Red team, round 3 (families-redteam3.ts): the stream, token-reuse and cost variants, written from the threat model
 * before the detectors were run on them.
 *
 * - `rt3_reuse_streams`: a stolen token whose thief, on another carrier of the owner's country, only streams (long
 *   answers, 20-90 s), as the owner does: the two networks' streams overlap in time ("long-lived AI streams keep
 *   auth valid longer; token theft/reuse").
 * - `rt3_reuse_datacenter`: the owner goes idle and the token is used only from a hosting ASN abroad, at 4 calls a
 *   minute: every event of the install after the theft comes from the datacenter (nothing interleaves).
 * - `rt3_zombie_trickle`: 3 installs each holding 2 streams open 15-30 min that trickle ~1.2 tokens a second.
 * - `rt3_cost_ios_release`: a release on iOS only (Android keeps the old version) re-sends chat history: that
 *   version's chat context is 2.5x. 70 % of the tenant's iPhones upgrade, each after an exponential delay (mean 8 min).
 */
export type RedTeam3StreamKind = 'rt3_reuse_streams' | 'rt3_reuse_datacenter' | 'rt3_zombie_trickle' | 'rt3_cost_ios_release'

/** Hosting providers abroad: [asn, country, first octets]. */
const DATACENTERS: [number, string, number[]][] = [
  [24940, 'DE', [88, 78, 5]], // Hetzner
  [60781, 'NL', [85, 212]], // LeaseWeb
  [14061, 'SG', [128, 139]], // DigitalOcean Singapore
]

function anotherCarrier(rng: Rng, inst: Install): { asn: number; ipPrefix: string } {
  let net = residentialNetwork(rng, inst.country)
  for (let i = 0; i < 20 && net.asn === inst.asn; i++) net = residentialNetwork(rng, inst.country)
  return net
}

function chatUsage(rng: Rng, feature: { name: string; model: string }, completion?: number): Usage {
  const p = profileOf(feature.name)
  const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
  const out = completion ?? Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
  return { feature: feature.name, model: feature.model, context, prompt: context, completion: out, bytes: bytesFor(rng, context) }
}

function streamReuse(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const victims = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const thieves = victims.map((v) => ({ ...v, ...anotherCarrier(f.rng, v) }))
  const open: HeldStream[] = []
  const perMinute = f.s.perMinute ?? 1
  return {
    name: 'token_reuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('token_reuse', f, victims, { feature: feature.name, kind: 'rt3_reuse_streams' }),
    tick(sink, rng, t0, t1) {
      runStreams(sink, open, t0, t1)
      if (t1 <= f.start || t0 >= f.end) return
      const a = Math.max(t0, f.start)
      const b = Math.min(t1, f.end)
      for (const inst of [...victims, ...thieves]) {
        const n = rng.poisson((perMinute * (b - a)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = a + rng.int(Math.max(1, b - a))
          // Long answers: 1,500-4,000 tokens at 30-50 tokens a second.
          const completion = Math.round(rng.uniform(1_500, 4_000))
          const duration = Math.round((completion / rng.uniform(30, 50)) * 1000)
          if (ts + duration > f.end) continue
          refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
          open.push({ inst, u: chatUsage(rng, feature, completion), start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
        }
      }
      runStreams(sink, open, t0, t1)
    },
  }
}

function datacenterReuse(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const victims = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const homes = victims.map((v) => ({ asn: v.asn, ipPrefix: v.ipPrefix, country: v.country }))
  const hosts = victims.map((v) => {
    const choices = DATACENTERS.filter((d) => d[1] !== v.country)
    const [asn, country, first] = f.rng.pick(choices)
    return { asn, country, ipPrefix: `${f.rng.pick(first)}.${f.rng.int(256)}.${f.rng.int(256)}.0/24` }
  })
  const perMinute = f.s.perMinute ?? 4
  let stolen = false
  return {
    name: 'token_reuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('token_reuse', f, victims, { feature: feature.name, kind: 'rt3_reuse_datacenter' }),
    tick(sink, rng, t0, t1) {
      if (stolen && t0 < f.end) {
        const a = Math.max(t0, f.start)
        const b = Math.min(t1, f.end)
        for (const inst of victims) {
          const n = rng.poisson((perMinute * (b - a)) / MIN)
          for (let k = 0; k < n; k++) {
            const ts = a + rng.int(Math.max(1, b - a))
            refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
            normalCall(sink, rng, inst, inst.appVersion, ts, feature)
          }
        }
      }
      // From the theft on, every event of the install (the ordinary traffic too: the owner is idle, the thief is the
      // only user of the token) comes from the datacenter; switched at the end of a tick, back home at the end.
      const nowStolen = t1 >= f.start && t1 < f.end
      if (nowStolen !== stolen) {
        stolen = nowStolen
        victims.forEach((v, i) => Object.assign(v, stolen ? hosts[i] : homes[i]))
      }
    },
  }
}

function zombieTrickle(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const abusers = recruitFrom(ctx, f.tenant, f.s.installs ?? 3, f.rng)
  const open: HeldStream[] = []
  const nextAt = abusers.flatMap(() => [f.start + f.rng.int(20_000), f.start + f.rng.int(60_000)])
  return {
    name: 'stream_abuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('stream_abuse', f, abusers, { feature: feature.name, kind: 'rt3_zombie_trickle' }),
    tick(sink, rng, t0, t1) {
      runStreams(sink, open, t0, t1)
      if (t1 <= f.start || t0 >= f.end) return
      // Two slots per install: a slot reopens a stream 5-20 s after its last one closed.
      nextAt.forEach((at, slot) => {
        if (at >= t1) return
        const inst = abusers[slot >> 1]
        const ts = Math.max(t0, at)
        const duration = Math.round(rng.uniform(15 * MIN, 30 * MIN))
        const completion = Math.round((duration / 1000) * rng.uniform(1.0, 1.4))
        nextAt[slot] = ts + duration + 5_000 + rng.int(15_000)
        if (ts + duration > f.end) {
          nextAt[slot] = Infinity
          return
        }
        refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
        open.push({ inst, u: chatUsage(rng, feature, completion), start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
      })
      runStreams(sink, open, t0, t1)
    },
  }
}

function iosRelease(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const release = nextVersion(f)
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && inst.platform === 'ios' && !ctx.taken.has(inst.id) && f.rng.chance(0.7))
      upgradeAt[inst.index] = f.start + f.rng.exponential(8 * MIN)
  const labels = [featureLabel('cost_spike', f, `${feature.name}/${release}`, { kind: 'rt3_cost_ios_release', platform: 'ios', context_factor: 2.5 })]
  return {
    name: 'cost_spike',
    startMs: f.start,
    endMs: f.end,
    labels,
    hook: {
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
      contextFactor: (_inst, name, version, ts) => (version === release && name === feature.name && ts < f.end ? 2.5 : 1),
    },
    tick() {},
  }
}

export function redTeam3Streams(ctx: ScenarioContext, f: Frame, kind: RedTeam3StreamKind): Scenario {
  if (kind === 'rt3_reuse_streams') return streamReuse(ctx, f)
  if (kind === 'rt3_reuse_datacenter') return datacenterReuse(ctx, f)
  if (kind === 'rt3_zombie_trickle') return zombieTrickle(ctx, f)
  return iosRelease(ctx, f)
}
