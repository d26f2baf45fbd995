import type { OpenStream } from './open-streams'
import type { StepRates } from './stream-zombie'

/**
 * Answers longer than answers are. One answer is bounded by its model's output limit (max_tokens, set by the app or
 * the provider), so a feature's longest answers over an hour sit at that limit, and no single answer runs past it. A
 * stream still reporting output far beyond it is not one answer: a connection used as a pipe (a realtime or WebSocket
 * session held open and fed prompt after prompt by a script, red team round 8's tunnel: one stream at a time for
 * 20-35 minutes at 15-25 tokens a second, 20k-50k tokens out). One at a time and never idle, it is neither a zombie nor
 * "long and many at once", and it burns output budget, the dearest tokens, at a person's pace of one stream.
 *
 * The feature's answer line: over the hour of 5-minute steps the zombie line reads (stream-zombie.ts), the longest
 * answer (output tokens of a closed stream or a plain call) of each install among the steps' longest, and of those
 * the ANSWER_LINE_RANK-th longest: a few installs (an attacker's own closed tunnels among them) cannot lift it, and it
 * is known only for a feature that answered in ANSWER_LINE_MIN_MINUTES install-minutes, and never under
 * ANSWER_LINE_FLOOR (in a small or terse feature the 5th longest answer of an hour is far under the limit, and one
 * person's long answer may reach it). A stream open now (its last
 * `stream_progress` report: output so far) past OVERLONG_FACTOR × the line is overlong: the factor leaves room for a
 * limit the hour's answers seldom reached (the 5th longest install at a third of the limit). z = zAlert ×
 * √(output / (OVERLONG_FACTOR × line)), the install's largest: an alert at the factor, and a stronger one as it grows.
 *
 * Blind spots: a gateway that sends no progress reports (a closed stream is not judged here: its install's next
 * stream is, while open); a feature with too few answers for a line; a pipe kept under 3x the feature's longest
 * answers per stream (it opens a new stream more often, which the open-stream tests read).
 */
export const ANSWER_LINE_RANK = 5
export const ANSWER_LINE_MIN_MINUTES = 50
export const OVERLONG_FACTOR = 3
/** The lowest the line goes: 4,096 output tokens, a common answer limit; a small feature's 5th longest sits under its limit. */
export const ANSWER_LINE_FLOOR = 4_096

export interface AnswerLine {
  /** Output tokens of the ANSWER_LINE_RANK-th longest install's longest answer in the hour, at least ANSWER_LINE_FLOOR. */
  tokens: number
  answerMinutes: number
}

/** The hour's answer line per tenant\0feature, from the steps kept by the zombie line (sql/stream-feature-rates.ts). */
export function answerLines(steps: Iterable<StepRates[]>): Map<string, AnswerLine> {
  const byFeature = new Map<string, { minutes: number; longest: Map<string, number> }>()
  for (const list of steps)
    for (const r of list) {
      const k = `${r.tenant_id}\u0000${r.feature}`
      const f = byFeature.get(k) ?? { minutes: 0, longest: new Map<string, number>() }
      f.minutes += r.answer_minutes
      for (const [install, tokens] of r.longest) f.longest.set(install, Math.max(tokens, f.longest.get(install) ?? 0))
      byFeature.set(k, f)
    }
  const out = new Map<string, AnswerLine>()
  for (const [k, f] of byFeature) {
    const ranked = [...f.longest.values()].sort((a, b) => b - a)
    if (f.minutes >= ANSWER_LINE_MIN_MINUTES && ranked.length >= ANSWER_LINE_RANK && ranked[ANSWER_LINE_RANK - 1] > 0)
      out.set(k, { tokens: Math.max(ANSWER_LINE_FLOOR, ranked[ANSWER_LINE_RANK - 1]), answerMinutes: f.minutes })
  }
  return out
}

export interface Overlong {
  z: number
  streams: number
  tokens: number
  feature: string
  line: number
}

/** Installs (tenant\0install) with an open stream past OVERLONG_FACTOR × its feature's answer line; pure. */
export function overlongStreams(
  open: readonly OpenStream[],
  lineOf: (tenant: string, feature: string) => AnswerLine | undefined,
  zAlert: number,
): Map<string, Overlong> {
  const out = new Map<string, Overlong>()
  for (const o of open) {
    const line = lineOf(o.tenant_id, o.feature)
    if (!line || o.completion_tokens < OVERLONG_FACTOR * line.tokens) continue
    const key = `${o.tenant_id}\u0000${o.install_id}`
    const z = zAlert * Math.sqrt(o.completion_tokens / (OVERLONG_FACTOR * line.tokens))
    const cur = out.get(key)
    if (!cur || z > cur.z) out.set(key, { z, streams: (cur?.streams ?? 0) + 1, tokens: o.completion_tokens, feature: o.feature, line: line.tokens })
    else cur.streams++
  }
  return out
}
