import type { GateRef, StreamAdmission } from './gate'
import type { Install } from './population'
import { Rng, clamp } from './random'
import { EventSink, normalVerdict, refreshToken, type Usage } from './traffic'

type Verdict = typeof normalVerdict

/** One call in flight; reported when it ends. */
export interface Job {
  endAt: number
  fire(sink: EventSink, rng: Rng, ts: number): void
  /** The gateway refused the call: the caller backs off before trying again. */
  denied?: boolean
  /** An admitted stream the gateway closes if a revocation arrives while it is open: the cut job, or null to keep it. */
  cutIfRevoked?(t0: number, t1: number): Job | null
  /** Reports of a stream still open that fall in [t0, t1) (every PROGRESS_MS after its first PROGRESS_MS). */
  progress?(sink: EventSink, t0: number, t1: number): void
}

/** The gateway reports a stream open longer than this every this often (docs/events.md, stream_progress). */
export const PROGRESS_MS = 30_000
export type JobMaker = (rng: Rng, startAt: number) => Job | null

/** Longest wait between refused tries: a script retries fast at first, then settles into a slow poll. */
const MAX_BACKOFF_MS = 30_000

/** Keeps N requests in flight back to back: the shape of a script holding concurrent streams open. */
export class Slots {
  private readonly jobs: (Job | null)[]
  private readonly refusals: number[]

  /** `notBefore`: no progress report before it (a scenario's streams opened before its window surface at its start). */
  constructor(
    private readonly make: JobMaker,
    rng: Rng,
    count: number,
    firstStart: (i: number) => number,
    private readonly notBefore = -Infinity,
  ) {
    this.jobs = Array.from({ length: count }, (_, i) => make(rng, firstStart(i)))
    this.refusals = new Array<number>(count).fill(0)
  }

  run(sink: EventSink, rng: Rng, t0: number, t1: number): void {
    for (let i = 0; i < this.jobs.length; i++) {
      let job = this.jobs[i]
      if (job && job.endAt >= t0) job = job.cutIfRevoked?.(t0, t1) ?? job
      if (t1 > this.notBefore) job?.progress?.(sink, Math.max(t0, this.notBefore), Math.min(t1, job.endAt))
      while (job && job.endAt < t1) {
        if (job.endAt >= t0) job.fire(sink, rng, job.endAt)
        job = this.make(rng, job.endAt + this.gapAfter(i, job, rng))
      }
      this.jobs[i] = job
    }
  }

  private gapAfter(slot: number, job: Job, rng: Rng): number {
    if (!job.denied) {
      this.refusals[slot] = 0
      return 200 + rng.int(2000)
    }
    const n = ++this.refusals[slot]
    return Math.round(Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(n - 1, 5)) * (0.5 + rng.next() / 2))
  }
}

export interface StreamShape {
  durationMs: number
  ttftMs: number
  transport: 'sse' | 'websocket'
  end: 'completed' | 'client_disconnect' | 'timeout'
}

/**
 * A stream opened at `startAt`, asked of the gateway (when one is attached)
 * as it opens: refused, it is a policy_denial right then; admitted, it runs
 * and is reported on close, or cut short when its install is revoked.
 */
export function gatedStream(gate: GateRef, inst: Install, startAt: number, shape: StreamShape, u: Usage, verdict: Verdict = normalVerdict): Job {
  const admission = gate.current?.openStream({ inst, feature: u.feature, contextTokens: u.prompt, atMs: startAt })
  if (admission && !admission.allowed) {
    return {
      endAt: Math.round(startAt), // events carry whole milliseconds
      denied: true,
      fire(sink, rng, ts) {
        refreshToken(sink, rng, inst, inst.appVersion, ts, verdict, u.feature)
        sink.denial(inst, inst.appVersion, ts, u.feature, u.model, admission.ruleKind, { version: admission.policyVersion, id: admission.ruleId })
      },
    }
  }
  // Opened before a gateway was attached (a scenario's first streams): the gateway attached since still closes it.
  const revokedSince = admission?.allowed ? admission.revokedSince : (atMs: number) => gate.current?.revokedSince({ inst, feature: u.feature, atMs }) ?? null
  return streamJob(inst, startAt, shape, u, verdict, revokedSince, admission)
}

function streamJob(
  inst: Install,
  startAt: number,
  shape: StreamShape,
  u: Usage,
  verdict: Verdict,
  revokedSince: (atMs: number) => number | null,
  admission?: StreamAdmission,
): Job {
  const close = admission?.allowed ? admission.close : undefined
  let streamId: string | undefined
  const soFar = (elapsed: number): Usage => ({
    ...u,
    completion: Math.floor(u.completion * clamp((elapsed - shape.ttftMs) / Math.max(1, shape.durationMs - shape.ttftMs), 0, 1)),
  })
  const job: Job = {
    endAt: Math.round(startAt + shape.durationMs),
    fire(sink, rng, ts) {
      // Stamped at the report time, not the stream start, so a tick's events stay inside the tick.
      refreshToken(sink, rng, inst, inst.appVersion, ts, verdict, u.feature)
      sink.stream(inst, inst.appVersion, ts, u, shape.transport, shape.durationMs, shape.ttftMs, shape.end, close, streamId)
    },
    progress(sink, t0, t1) {
      const first = Math.max(1, Math.ceil((t0 - startAt) / PROGRESS_MS))
      for (let k = first; startAt + k * PROGRESS_MS < t1; k++) {
        const at = Math.round(startAt + k * PROGRESS_MS)
        if (at < t0 || at >= job.endAt) continue
        streamId ??= sink.streamId()
        sink.streamProgress(inst, inst.appVersion, at, soFar(at - startAt), shape.transport, at - startAt, shape.ttftMs, streamId)
      }
    },
  }
  job.cutIfRevoked = (t0, t1) => {
    const since = revokedSince(t0)
    if (since === null) return null
    // Live, the cut follows the revocation within this tick; a simulation behind the wall clock cuts at once.
    const at = Math.max(t0, since < t1 ? since : t0, Math.round(startAt) + 1)
    if (at >= job.endAt) return null
    const ran = at - startAt
    const streamed = Math.floor(u.completion * clamp((ran - shape.ttftMs) / Math.max(1, shape.durationMs - shape.ttftMs), 0, 1))
    return {
      endAt: at,
      fire(sink, _rng, ts) {
        sink.stream(inst, inst.appVersion, ts, { ...u, completion: streamed }, shape.transport, ran, Math.min(shape.ttftMs, ran), 'cut_by_policy', close)
      },
    }
  }
  return job
}
