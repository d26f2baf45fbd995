import type { FeatureSpec, Install, Tenant } from './population'
import { residentialNetwork } from './population'
import { hashString, type Rng } from './random'
import type { ScenarioContext } from './scenarios'
import { PROGRESS_MS } from './slots'
import { bytesFor, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import type { HeldStream } from './redteam-streams'

/**
 * Red team, round 9 (families-redteam9.ts): what this round's clients share. Recruits of a kind (a country, a
 * carrier), sizes in a feature's upper tail, a carrier of the install's country other than its own, a stable
 * experiment bucket per install, and a long answer streamed at a steady rate.
 */

/** `count` of the tenant's installs that `keep` accepts (not rooted, not taken by another scenario), marked taken. */
export function recruitWhere(ctx: ScenarioContext, tenant: Tenant | null, count: number, rng: Rng, keep: (i: Install) => boolean): Install[] {
  const pool = ctx.pop.installs.filter((i) => (tenant === null || i.tenant === tenant) && !i.rooted && !ctx.taken.has(i.id) && keep(i))
  const out: Install[] = []
  while (out.length < count && pool.length) out.push(...pool.splice(rng.int(pool.length), 1))
  for (const i of out) ctx.taken.add(i.id)
  return out
}

/**
 * A size from the feature's own lognormal, but only from its upper tail: the z-score is drawn from the standard
 * normal restricted to [from, to] (by rejection), so the sizes have the feature's shape and spread within that band.
 * The defaults are the 90th to 99.5th percentile: every call one a real user sends only now and then.
 */
export function upperTail(rng: Rng, median: number, sigma: number, from = 1.2816, to = 2.5758): number {
  let z = rng.normal()
  while (z < from || z > to) z = rng.normal()
  return median * Math.exp(sigma * z)
}

/** A /24 of another carrier (ASN) of the install's country than its own: a residential proxy's exit there. */
export function otherCarrierOf(rng: Rng, inst: Install): { asn: number; ipPrefix: string; country: string } {
  let net = residentialNetwork(rng, inst.country)
  for (let i = 0; i < 20 && net.asn === inst.asn; i++) net = residentialNetwork(rng, inst.country)
  return { ...net, country: inst.country }
}

/** An install's bucket in an experiment or rollout named `salt`: a hash of its id, uniform in [0, 1), no draw. */
export function bucketOf(salt: string, id: string): number {
  return (hashString(`${salt}:${id}`) >>> 0) / 4_294_967_296
}

/** A per-call number in [0, 1) from the call's time and install, without a draw from the ordinary traffic's rng. */
export function callHash(ts: number, index: number): number {
  return (Math.imul((ts % 1_000_003) ^ Math.imul(index + 1, 40_503), 2_654_435_761) >>> 0) / 4_294_967_296
}

/** The tenant's features by their weights, for weightedPick. */
export const featureMix = (t: Tenant): (readonly [FeatureSpec, number])[] => t.features.map((x) => [x, x.weight] as const)

/**
 * A long answer streamed at a steady rate: opened at `ts` for `seconds` (drawn in the range), `tokensPerSecond`
 * output (capped at the 4,096-token output limit), an ordinary prompt of the feature, reported while open and when
 * it ends. Not opened when it would still be open at `until`. The install's token is checked first unless `attest`
 * is false (a replayed token). `as` is the install as this stream shows it (a copy keeps the network it opened on).
 */
export function longStream(
  sink: EventSink,
  rng: Rng,
  open: HeldStream[],
  as: Install,
  ts: number,
  spec: FeatureSpec,
  seconds: [number, number],
  tokensPerSecond: [number, number],
  until: number,
  attest = true,
): boolean {
  const duration = Math.round(rng.uniform(seconds[0], seconds[1]) * 1000)
  if (ts + duration >= until) return false
  const p = profileOf(spec.name)
  const context = Math.max(16, Math.round(rng.lognormal(p.ctx, p.ctxSigma)))
  const completion = Math.min(4096, Math.round((duration / 1000) * rng.uniform(tokensPerSecond[0], tokensPerSecond[1])))
  const u: Usage = { feature: spec.name, model: spec.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
  if (attest) refreshToken(sink, rng, as, as.appVersion, ts, normalVerdict, spec.name)
  // Read to the end: completed, the first token after 600 ms (runStreams' defaults).
  open.push({ inst: as, u, start: ts, duration, id: sink.streamId(), nextReport: ts + PROGRESS_MS })
  return true
}
