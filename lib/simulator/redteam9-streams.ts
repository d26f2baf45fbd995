import type { Scenario, ScenarioContext } from './scenarios'
import { featureOf, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { longStream } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): stream abuse, written from the threat model (per-install concurrency caps
 * on streams: "rate limits, quotas, and concurrency caps (context size, output tokens, stream count) per install")
 * before the detectors were run on them.
 *
 * - `rt9_stream_fan_out`: the chat used as a batch API by fanning out. 3 of the bank app's users (existing installs,
 *   their own phones and networks, attestation passing) run a script that keeps `concurrent` (default 12) chat
 *   streams open at once, each an ordinary prompt whose answer streams for 1-2.5 minutes at 15-30 tokens a second
 *   (900-4,096 tokens, read to the end), and opens the next 1-5 s after one ends, for the whole frame. No stream is
 *   odd on its own (medium length, ordinary prompt, completed); one install holds a dozen at every moment, about
 *   7 new ones a minute. A person would call it abuse: one phone streaming twelve answers at once, nonstop, on gpt-4.1.
 *   `concurrent` 6 is the "half of it" case.
 */
export type RedTeam9StreamKind = 'rt9_stream_fan_out'

export function redTeam9Streams(ctx: ScenarioContext, f: Frame, _kind: RedTeam9StreamKind): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const installs = recruitFrom(ctx, f.tenant, f.s.installs ?? 3, rng)
  const atOnce = f.s.concurrent ?? 12
  // One slot per stream held at once; the script fills its slots over its first minute.
  const slots = installs.flatMap((inst) => Array.from({ length: atOnce }, () => ({ inst, next: f.start + rng.int(60_000) })))
  const detail = { feature: feature.name, kind: 'rt9_stream_fan_out', concurrent: atOnce, stream_s: '60-150' }
  return installScenario('stream_abuse', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const s of slots)
      while (s.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, s.next)
        const before = open.length
        const opened = longStream(sink, r, open, s.inst, ts, feature, [60, 150], [15, 30], f.end)
        // Too close to the frame's end for another stream: this slot is done.
        if (!opened) {
          s.next = Infinity
          break
        }
        s.next = ts + open[before].duration + 1_000 + r.int(4_000)
      }
  })
}
