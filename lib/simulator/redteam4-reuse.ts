import type { Install } from './population'
import { residentialNetwork } from './population'
import { clamp, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { plainCall } from './redteam4-calls'

/**
 * Red team, round 4 (families-redteam4.ts): token reuse written from the threat model ("one install id from two
 * networks at once"), before the detectors were run on them.
 *
 * - `rt4_reuse_same_carrier`: the thief sits in the owner's country on the owner's own carrier (same ASN), on
 *   another /24 of it. Both stream chat answers (20-60 s) at 1.5 a minute, so the two /24s' streams overlap.
 * - `rt4_reuse_hop16`: the thief's proxy pool is one /16 of another carrier of the owner's country; every thief
 *   call leaves from another /24 of that /16. Owner and thief call at 2 a minute each, plain requests.
 */
export type RedTeam4ReuseKind = 'rt4_reuse_same_carrier' | 'rt4_reuse_hop16'

/** A /24 of the install's own carrier (same ASN) other than its own. */
function sameCarrierOtherPrefix(rng: Rng, inst: Install): string {
  for (let i = 0; i < 50; i++) {
    const net = residentialNetwork(rng, inst.country)
    if (net.asn === inst.asn && net.ipPrefix !== inst.ipPrefix) return net.ipPrefix
  }
  // The carrier's first octet of the owner's own prefix, another /24 in it.
  const [a] = inst.ipPrefix.split('.')
  return `${a}.${rng.int(256)}.${rng.int(256)}.0/24`
}

/** Another carrier of the install's country, and one /16 it announces: [asn, "a.b"]. */
function otherCarrierSlash16(rng: Rng, inst: Install): { asn: number; slash16: string } {
  let net = residentialNetwork(rng, inst.country)
  for (let i = 0; i < 20 && net.asn === inst.asn; i++) net = residentialNetwork(rng, inst.country)
  const [a, b] = net.ipPrefix.split('.')
  return { asn: net.asn, slash16: `${a}.${b}` }
}

function sameCarrier(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const victims = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const thieves = victims.map((v) => ({ ...v, ipPrefix: sameCarrierOtherPrefix(f.rng, v) }))
  const perMinute = f.s.perMinute ?? 1.5
  return installScenario('token_reuse', f, victims, { feature: feature.name, kind: 'rt4_reuse_same_carrier' }, (sink, rng, t0, t1, open) => {
    const a = Math.max(t0, f.start)
    const b = Math.min(t1, f.end)
    if (b > a)
      for (const inst of [...victims, ...thieves]) {
        const n = rng.poisson((perMinute * (b - a)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = a + rng.int(b - a)
          const completion = Math.round(rng.uniform(800, 2_400))
          const duration = Math.round((completion / rng.uniform(35, 50)) * 1000)
          if (ts + duration > f.end) continue
          const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
          open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
        }
      }
  })
}

function hop16(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const victims = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const pools = victims.map((v) => otherCarrierSlash16(f.rng, v))
  const perMinute = f.s.perMinute ?? 2
  return installScenario('token_reuse', f, victims, { feature: feature.name, kind: 'rt4_reuse_hop16' }, (sink, rng, t0, t1) => {
    const a = Math.max(t0, f.start)
    const b = Math.min(t1, f.end)
    if (b <= a) return
    victims.forEach((owner, i) => {
      for (const thief of [false, true]) {
        const n = rng.poisson((perMinute * (b - a)) / MIN)
        for (let k = 0; k < n; k++) {
          // Each thief call from another exit of the pool: the owner's install, the pool's carrier and /24.
          const inst = thief ? { ...owner, asn: pools[i].asn, ipPrefix: `${pools[i].slash16}.${rng.int(256)}.0/24` } : owner
          const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
          const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
          plainCall(sink, rng, inst, a + rng.int(b - a), feature, context, completion)
          // The thief's copy of the install shares the owner's token clock (one token, two holders).
          if (thief) owner.tokenExpiresAt = inst.tokenExpiresAt
        }
      }
    })
  })
}

export function redTeam4Reuse(ctx: ScenarioContext, f: Frame, kind: RedTeam4ReuseKind): Scenario {
  return kind === 'rt4_reuse_same_carrier' ? sameCarrier(ctx, f) : hop16(ctx, f)
}
