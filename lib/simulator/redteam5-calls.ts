import type { FeatureSpec, Install } from './population'
import { clamp, type Rng } from './random'
import { bytesFor, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import type { HeldStream } from './redteam-streams'

/**
 * Red team, round 5 (families-redteam5.ts): how this round's clients send one call. A call of the feature is a
 * stream as often as the feature's clients stream (traffic.ts FEATURE_PROFILES), else a plain request.
 *
 * A stream is held open from `ts` (its first byte) and reported by runStreams while open and when it ends, so
 * every event of it falls after `ts`: a call that would still be open at `until` (the end of its label's window) is
 * not sent. The install's token is checked first, as the gateway does, unless `attest` is false: a stolen token
 * replayed from another client (only the owner's app can attest), or a caller that made its own check.
 */
export function sendCall(
  sink: EventSink,
  rng: Rng,
  open: HeldStream[],
  inst: Install,
  ts: number,
  spec: FeatureSpec,
  size: { context: number; completion: number },
  until: number,
  attest = true,
): boolean {
  const p = profileOf(spec.name)
  const context = Math.max(16, Math.round(size.context))
  const completion = Math.round(clamp(size.completion, 0, 4096))
  const u: Usage = { feature: spec.name, model: spec.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
  const stream = rng.next() < p.streamShare
  // A stream lasts its first token (0.6 s) plus the answer at 30-80 tokens a second; a plain call returns it whole.
  const duration = Math.round(600 + (completion / rng.uniform(30, 80)) * 1000)
  if (stream && ts + duration >= until) return false
  if (attest) refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, spec.name)
  if (stream) open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
  else sink.request(inst, inst.appVersion, ts, u, 'served', duration)
  return true
}

/** The feature's ordinary sizes: what its users send and get back (traffic.ts normalCall's draw). */
export function ordinarySize(rng: Rng, spec: FeatureSpec): { context: number; completion: number } {
  const p = profileOf(spec.name)
  return { context: rng.lognormal(p.ctx, p.ctxSigma), completion: clamp(rng.lognormal(p.out, p.outSigma), 8, 4096) }
}
