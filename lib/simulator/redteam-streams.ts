import type { Install } from './population'
import type { GroundTruthLabel, ScenarioName } from './labels'
import type { Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { PROGRESS_MS } from './slots'
import { bytesFor, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import { MIN, featureOf, recruitFrom, type Frame } from './family-frame'
import { installLabels } from './scenario-frame'

/** A stream a red-team family holds open: reported every PROGRESS_MS, closed at start + duration. */
export interface HeldStream {
  inst: Install
  u: Usage
  start: number
  duration: number
  id: string
  nextReport: number
  /** How the gateway ends it (default: completed, first token after 600 ms). A stall never sends a first token. */
  end?: { reason: 'timeout' | 'client_disconnect'; ttftMs: number }
  /** How it is carried (default sse): a WebSocket session the app keeps open (red team 8's tunnel). */
  transport?: 'sse' | 'websocket'
}

/** Emits progress reports every PROGRESS_MS while a stream is open and its close event when it ends. */
export function runStreams(sink: EventSink, open: HeldStream[], t0: number, t1: number): void {
  for (let j = open.length - 1; j >= 0; j--) {
    const o = open[j]
    const end = o.start + o.duration
    while (o.nextReport < Math.min(end, t1)) {
      if (o.nextReport >= t0) {
        const done = (o.nextReport - o.start) / o.duration
        sink.streamProgress(
          o.inst,
          o.inst.appVersion,
          o.nextReport,
          { ...o.u, completion: Math.round(o.u.completion * done) },
          o.transport ?? 'sse',
          o.nextReport - o.start,
          o.end?.ttftMs ?? 600,
          o.id,
        )
      }
      o.nextReport += PROGRESS_MS
    }
    if (end >= t0 && end < t1) {
      sink.stream(o.inst, o.inst.appVersion, end, o.u, o.transport ?? 'sse', o.duration, o.end?.ttftMs ?? 600, o.end?.reason ?? 'completed', undefined, o.id)
      open.splice(j, 1)
    }
  }
}

/** A scenario tick that reports its held streams around the calls it opens, so a stream opened in a tick is seen in it. */
export function withStreams(open: HeldStream[], tick: Scenario['tick']): Scenario['tick'] {
  return (sink, rng, t0, t1) => {
    runStreams(sink, open, t0, t1)
    tick(sink, rng, t0, t1)
    runStreams(sink, open, t0, t1)
  }
}

/** A scenario's tick that is handed the scenario's own list of held streams, to open its streams on. */
export type StreamingTick = (sink: EventSink, rng: Rng, t0: number, t1: number, open: HeldStream[]) => void

/**
 * The shape most red-team variants and look-alikes share: scenario `name` over the frame, each of `installs`
 * labelled `name` with `detail` for the whole frame, and a tick. The tick gets a list of held streams of the
 * scenario's own, reported and closed around it (withStreams). A tick that opens no streams leaves the list empty,
 * and reporting an empty list emits nothing and draws nothing: the same helper serves both.
 */
export function installScenario(
  name: ScenarioName,
  f: Pick<Frame, 'start' | 'end'>,
  installs: Install[],
  detail: GroundTruthLabel['detail'],
  tick: StreamingTick,
): Scenario {
  const open: HeldStream[] = []
  return {
    name,
    startMs: f.start,
    endMs: f.end,
    labels: installLabels(name, f, installs, detail),
    tick: withStreams(open, (sink, rng, t0, t1) => tick(sink, rng, t0, t1, open)),
  }
}

/** Users of the slow-answers look-alike, and how often one switches chats while an answer streams. */
const READERS = 60
const SWITCH_CHANCE = 0.25

/**
 * Benign look-alike for the open-stream concurrency test, written from the
 * threat model: 60 people whose ordinary answers (the feature's usual size)
 * stream for 30 s to 3 min (a slow cellular link, a paced typing effect),
 * one at a time, with a pause of ~40 s between questions. During one answer
 * in four the user switches chats and asks another, so two answers stream at
 * once for a while (three when the switch repeats). Every stream is reported
 * while open, as the gateway does: the simulator's ordinary traffic logs its
 * streams only when they close, so this family is what tests the null.
 */
export function slowAnswerReaders(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const readers = recruitFrom(ctx, f.tenant, READERS, f.rng)
  const nextAt = readers.map(() => f.start + f.rng.int(2 * MIN))
  return installScenario('benign', f, readers, { kind: 'benign_slow_answers', feature: feature.name }, (sink, rng, t0, t1, open) => {
    if (t1 <= f.start || t0 >= f.end) return
    readers.forEach((inst, i) => {
      while (nextAt[i] < t1) {
        const ts = Math.max(t0, nextAt[i])
        const duration = Math.round(rng.uniform(30_000, 3 * MIN))
        const completion = Math.round(rng.lognormal(p.out, p.outSigma))
        if (ts + duration <= f.end) {
          refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
          const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + PROGRESS_MS })
        }
        // A switch opens the next question while this answer still streams; otherwise the user reads, then asks.
        nextAt[i] = rng.chance(SWITCH_CHANCE) ? ts + Math.round(rng.uniform(5_000, duration)) : ts + duration + Math.round(rng.exponential(40_000))
      }
    })
  })
}
