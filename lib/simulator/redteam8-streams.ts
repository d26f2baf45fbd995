import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { shuffle, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { installScenario, type HeldStream } from './redteam-streams'

/**
 * Red team, round 8 (families-redteam8.ts): stream abuse, written from the threat model ("long-lived AI streams keep
 * auth valid longer"; per-install caps on streams and output tokens) before the detectors were run on them.
 *
 * - `rt8_stream_tunnel`: one connection used as a pipe. The health app's chat keeps a WebSocket session open while the
 *   chat screen is; 2 of its users (existing installs, their own phones and networks, attestation passing) drive it
 *   with a script that sends prompt after prompt down one session without ever closing it, so the gateway sees one
 *   chat stream (the first prompt's context, ordinary) that stays open for 20-35 minutes and generates 15-25 tokens
 *   a second all along (a new answer every ~20 s): 20k-50k output tokens on claude-sonnet-4, ten times the 4,096
 *   cap one answer has. When the session drops the script opens the next within a minute. A person would call it
 *   abuse: a single chat "answer" streaming nonstop for half an hour, the output of a hundred answers, a batch job
 *   tunnelled through one connection.
 * - `rt8_stream_zombie_tenants`: zombie streams spread over apps. One operator's drawer of old phones on their home
 *   line (one residential /24): 2 fresh installs of each of 3 tenants' apps (`installs` per tenant), each its own
 *   phone model and fingerprint, attestation passing. Each install keeps `concurrent` (default 3) chat streams open,
 *   each held 12-20 minutes with a token every 1-5 s, dropped (client_disconnect) and reopened 20-60 s later, for the
 *   whole frame: 18 near-silent streams held at once, 6 per app. A person would call it abuse: streams open for a
 *   quarter of an hour that say almost nothing, three at a time per install, reopened at once, from brand-new installs
 *   that do nothing else.
 */
export type RedTeam8StreamKind = 'rt8_stream_tunnel' | 'rt8_stream_zombie_tenants'

/** A stream the install opens at `ts` for `duration`, `perSecond` output tokens a second, the first prompt ordinary. */
function hold(open: HeldStream[], sink: EventSink, rng: Rng, inst: Install, ts: number, duration: number, perSecond: number, ws: boolean) {
  const spec = inst.tenant.features.find((x) => x.name === 'chat_assistant') ?? inst.tenant.features[0]
  const p = profileOf(spec.name)
  const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
  const u: Usage = {
    feature: spec.name,
    model: spec.model,
    context,
    prompt: context,
    completion: Math.max(1, Math.round((duration / 1000) * perSecond)),
    bytes: bytesFor(rng, context),
  }
  refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, spec.name)
  const end = { reason: 'client_disconnect' as const, ttftMs: Math.round(rng.uniform(500, 1_500)) }
  open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000, end, transport: ws ? 'websocket' : 'sse' })
}

interface Slot {
  inst: Install
  next: number
}

/** How a slot holds its streams one after another: each `minutes` long (none shorter than `shortest`), then a pause. */
interface InTurn {
  minutes: [number, number]
  shortest: number
  tokensPerSecond: [number, number]
  ws: boolean
  pauseMs: [number, number]
}

/** Each slot holds a stream, then after a pause the next, until the frame ends (a stream shorter than `shortest` is not opened). */
function holdInTurn(slots: Slot[], f: Frame, o: InTurn): Parameters<typeof installScenario>[4] {
  return (sink, r, t0, t1, open) => {
    for (const s of slots)
      while (s.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, s.next)
        const duration = Math.min(Math.round(r.uniform(o.minutes[0] * MIN, o.minutes[1] * MIN)), f.end - 5_000 - ts)
        if (duration < o.shortest) {
          s.next = Infinity
          break
        }
        hold(open, sink, r, s.inst, ts, duration, r.uniform(o.tokensPerSecond[0], o.tokensPerSecond[1]), o.ws)
        s.next = ts + duration + o.pauseMs[0] + r.int(o.pauseMs[1] - o.pauseMs[0])
      }
  }
}

function tunnel(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const slots: Slot[] = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng).map((inst) => ({ inst, next: f.start + rng.int(2 * MIN) }))
  const installs = slots.map((s) => s.inst)
  const detail = { feature: feature.name, kind: 'rt8_stream_tunnel', tokens_per_second: '15-25' }
  return installScenario(
    'stream_abuse',
    f,
    installs,
    detail,
    holdInTurn(slots, f, { minutes: [20, 35], shortest: 3 * MIN, tokensPerSecond: [15, 25], ws: true, pauseMs: [5_000, 60_000] }),
  )
}

function zombieTenants(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant && t.features.some((x) => x.name === 'chat_assistant'))
  const tenants = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const country = f.tenant.countries[0][0]
  const home = { ...residentialNetwork(rng, country), country }
  const installs = tenants.flatMap((t) =>
    Array.from({ length: f.s.installs ?? 2 }, () => freshInstall(rng, t, known, home, { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) })),
  )
  const slots: Slot[] = installs.flatMap((inst) => Array.from({ length: f.s.concurrent ?? 3 }, () => ({ inst, next: f.start + rng.int(2 * MIN) })))
  const detail = { feature: 'chat_assistant', kind: 'rt8_stream_zombie_tenants', tenants: tenants.map((t) => t.id), ip_prefix: home.ipPrefix }
  return installScenario(
    'stream_abuse',
    f,
    installs,
    detail,
    holdInTurn(slots, f, { minutes: [12, 20], shortest: 2 * MIN, tokensPerSecond: [0.2, 1], ws: false, pauseMs: [20_000, 60_000] }),
  )
}

export function redTeam8Streams(ctx: ScenarioContext, f: Frame, kind: RedTeam8StreamKind): Scenario {
  return kind === 'rt8_stream_tunnel' ? tunnel(ctx, f) : zombieTenants(ctx, f)
}
