import type { Scenario, ScenarioContext } from './scenarios'
import { installScenario, type HeldStream } from './redteam-streams'
import { PROGRESS_MS } from './slots'
import { bytesFor, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import type { Rng } from './random'
import { MIN, featureOf, recruitFrom, type Frame } from './family-frame'

/** People using the feature while its model provider stalls, and how long the stall lasts. */
const USERS = 300
const OUTAGE_MS = 10 * MIN
/** The gateway's idle limit: a stream that sends nothing for this long is closed as a timeout (docs/events.md). */
const IDLE_LIMIT_MS = 60_000

/**
 * Benign look-alike written from how outages look at a gateway, not from the
 * detectors: the feature's model provider accepts streams but sends no token
 * for 10 minutes. 300 people keep using the feature (about one question a
 * minute each); every stream stalls until the gateway's 60 s idle limit and
 * ends as a timeout with no output, reported at 30 s while open. Someone who
 * sees nothing taps "retry" after 5-25 s (6 in 10 do, and a third of those
 * tap again), and the app opens a new stream without the gateway learning
 * that the old one was abandoned, so one phone holds two or three stalled
 * streams at once. Nobody is abusing anything: on-call wants the provider's
 * outage, not a page per install.
 */
export function providerOutage(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const users = recruitFrom(ctx, f.tenant, USERS, f.rng)
  const outageEnd = Math.min(f.end, f.start + OUTAGE_MS)
  const nextAt = users.map(() => f.start + f.rng.int(MIN))
  const planned: number[][] = users.map(() => [])
  const stall = (inst: (typeof users)[number], ts: number, sink: EventSink, rng: Rng, open: HeldStream[]) => {
    refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
    const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
    const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion: 0, bytes: bytesFor(rng, context) }
    const duration = IDLE_LIMIT_MS + Math.round(rng.uniform(0, 2_000))
    open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + PROGRESS_MS, end: { reason: 'timeout', ttftMs: 0 } })
  }
  return installScenario('benign', f, users, { kind: 'benign_provider_outage', feature: feature.name }, (sink, rng, t0, t1, open) => {
    if (t1 <= f.start || t0 >= outageEnd) return
    users.forEach((inst, i) => {
      // Plan each question when its time comes: its first stream and the retries, which may fall in later ticks.
      while (nextAt[i] < Math.min(t1, outageEnd)) {
        let at = Math.max(t0, nextAt[i])
        planned[i].push(at)
        for (let tap = 0; tap < 2 && rng.chance(tap === 0 ? 0.6 : 0.33); tap++) planned[i].push((at += Math.round(rng.uniform(5_000, 25_000))))
        // Then the person gives up for a while, and tries again later.
        nextAt[i] = at + IDLE_LIMIT_MS + Math.round(rng.exponential(MIN))
      }
      while (planned[i].length && planned[i][0] < t1) {
        const at = planned[i].shift()!
        if (at < outageEnd) stall(inst, Math.max(t0, at), sink, rng, open)
      }
    })
  })
}
