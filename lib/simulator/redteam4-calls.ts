import type { FeatureSpec, Install } from './population'
import type { Rng } from './random'
import { bytesFor, normalVerdict, refreshToken, type EventSink, type Usage } from './traffic'

/** Red team, round 4: a plain (non-streaming) served call of these sizes, after the token check it needs. */
export function plainCall(sink: EventSink, rng: Rng, inst: Install, ts: number, spec: FeatureSpec, context: number, completion: number): void {
  const u: Usage = { feature: spec.name, model: spec.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
  refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, spec.name)
  sink.request(inst, inst.appVersion, ts, u, 'served', 600 + completion * rng.uniform(8, 14))
}
