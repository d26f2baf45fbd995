import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, type Frame } from './family-frame'
import { withStreams, type HeldStream } from './redteam-streams'

/**
 * Red team, round 7 (families-redteam7.ts): stream abuse, written from the threat model ("long-lived AI streams keep
 * auth valid longer"; per-install concurrency caps on streams) before the detectors were run on them.
 *
 * - `rt7_stream_rotating_holders`: id rotation against a per-install stream cap. 3 operators, each with one phone
 *   (spoofed build, hooked attestation that passes) on its own home /24, keep near-silent chat streams open all the
 *   time, but no install id holds them long: every 8-12 minutes the app's data is wiped and it registers again (a new
 *   install id and device fingerprint, the same phone model and network). Each identity attests, opens `concurrent`
 *   (default 4) streams within its first minute, holds them with a token every 10-25 s (under any idle limit) and
 *   drops them all when it is retired; the next identity appears 10-40 s later. A person would call each identity an
 *   abuser: a brand-new install whose only use is 4 streams held open for 10 minutes that say nearly nothing.
 *   `concurrent` 2 is the "half of it" case.
 */
export type RedTeam7StreamKind = 'rt7_stream_rotating_holders'

interface Identity {
  inst: Install
  bornAt: number
  retireAt: number
  /** When each of its streams opens (within its first minute), the next first. */
  opens: number[]
}

export function redTeam7Streams(ctx: ScenarioContext, f: Frame, _kind: RedTeam7StreamKind): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const atOnce = f.s.concurrent ?? 4
  const country = f.tenant.countries[0][0]
  const labels: GroundTruthLabel[] = []
  // Every identity each operator will use, made up front with its label: born, held 8-12 min, retired.
  const operators: Identity[][] = Array.from({ length: f.s.installs ?? 3 }, (_, k) => {
    const net = { ...residentialNetwork(rng, country), country }
    const build = consumerDevice(rng, 'android')
    const ids: Identity[] = []
    let at = f.start + rng.int(MIN)
    while (at < f.end - 3 * MIN) {
      const inst = freshInstall(rng, f.tenant, known, net, { ...build, fingerprint: rng.hex(32) })
      const retireAt = Math.min(f.end - 5_000, at + 8 * MIN + rng.int(4 * MIN))
      labels.push({
        scenario: 'stream_abuse',
        kind: 'install',
        subject: inst.id,
        tenant_id: f.tenant.id,
        start_ms: at,
        end_ms: retireAt,
        detail: { feature: feature.name, kind: 'rt7_stream_rotating_holders', operator: k, streams_at_once: atOnce },
      })
      const opens = Array.from({ length: atOnce }, () => at + rng.int(50_000)).sort((a, b) => a - b)
      ids.push({ inst, bornAt: at, retireAt, opens })
      at = retireAt + 10_000 + rng.int(30_000)
    }
    return ids
  })
  const open: HeldStream[] = []
  return {
    name: 'stream_abuse',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const ids of operators)
        for (const id of ids) {
          while (id.opens.length && id.opens[0] < t1) {
            const ts = Math.max(t0, id.opens.shift()!)
            const duration = id.retireAt - ts - r.int(3_000)
            if (duration < 60_000) continue
            const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
            // A token every 10-25 s for as long as it is held.
            const completion = Math.max(1, Math.round((duration / 1000) * r.uniform(1 / 25, 1 / 10)))
            const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
            refreshToken(sink, r, id.inst, id.inst.appVersion, ts, normalVerdict, feature.name)
            const end = { reason: 'client_disconnect' as const, ttftMs: Math.round(r.uniform(800, 4_000)) }
            open.push({ inst: id.inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000, end })
          }
        }
    }),
  }
}
