import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'

/**
 * Red team, round 6 (families-redteam6.ts): stream abuse, written from the threat model ("long-lived AI streams keep
 * auth valid longer"; abandoned answers; many concurrent streams) before the detectors were run on them.
 *
 * - `rt6_stream_regenerate`: 4 installs hammer "regenerate": each opens a chat stream with a 5k-8k-token context (a
 *   pasted statement plus history), drops it 2-6 s later as the first tokens arrive (the gateway ends it
 *   `client_disconnect`, costed for the prompt and ~40 tokens a second until then) and opens the next 3-10 s later:
 *   6-8 abandoned answers a minute each, for the whole frame, never reading one.
 * - `rt6_stream_zombie_ramp`: 2 of the tenant's installs pile up near-silent streams: each opens one more chat stream
 *   every 2-3 minutes until it holds `concurrent` (default 10), and holds every one of them open to the end of the
 *   frame, a token every 15-40 s (under any idle limit), then drops them all. The installs' ordinary use of the app
 *   goes on (the ordinary traffic keeps them calling).
 */
export type RedTeam6StreamKind = 'rt6_stream_regenerate' | 'rt6_stream_zombie_ramp'

function regenerate(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const abusers = recruitFrom(ctx, f.tenant, f.s.installs ?? 4, rng).map((inst) => ({ inst, next: f.start + rng.int(MIN) }))
  const installs = abusers.map((a) => a.inst)
  return installScenario('stream_abuse', f, installs, { feature: feature.name, kind: 'rt6_stream_regenerate' }, (sink, r, t0, t1, open) => {
    for (const a of abusers)
      while (a.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, a.next)
        const ttft = Math.round(r.uniform(900, 2_000))
        const duration = Math.round(ttft + r.uniform(1_000, 4_000))
        a.next = ts + duration + 3_000 + r.int(7_000)
        if (ts + duration >= f.end) continue
        const context = Math.round(Math.exp(r.uniform(Math.log(5_000), Math.log(8_000))))
        const completion = Math.round(((duration - ttft) / 1000) * r.uniform(35, 45))
        const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
        refreshToken(sink, r, a.inst, a.inst.appVersion, ts, normalVerdict, feature.name)
        open.push({ inst: a.inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000, end: { reason: 'client_disconnect', ttftMs: ttft } })
      }
  })
}

function zombieRamp(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const most = f.s.concurrent ?? 10
  const holders = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng).map((inst) => ({ inst, next: f.start + rng.int(MIN), held: 0 }))
  // All of them are dropped together in the frame's last minute (the script is stopped).
  const dropAt = f.end - MIN + rng.int(50_000)
  const installs = holders.map((h) => h.inst)
  const detail = { feature: feature.name, kind: 'rt6_stream_zombie_ramp', concurrent: most }
  return installScenario('stream_abuse', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const h of holders)
      while (h.held < most && h.next < Math.min(t1, dropAt - 5 * MIN)) {
        const ts = Math.max(t0, h.next)
        h.next = ts + 2 * MIN + r.int(MIN)
        h.held++
        const duration = dropAt - ts + r.int(5_000)
        const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
        // A token every 15-40 s over the whole stream.
        const completion = Math.max(1, Math.round((duration / 1000) * r.uniform(1 / 40, 1 / 15)))
        const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
        refreshToken(sink, r, h.inst, h.inst.appVersion, ts, normalVerdict, feature.name)
        const end = { reason: 'client_disconnect' as const, ttftMs: Math.round(r.uniform(1_000, 6_000)) }
        open.push({ inst: h.inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000, end })
      }
  })
}

export function redTeam6Streams(ctx: ScenarioContext, f: Frame, kind: RedTeam6StreamKind): Scenario {
  return kind === 'rt6_stream_regenerate' ? regenerate(ctx, f) : zombieRamp(ctx, f)
}
