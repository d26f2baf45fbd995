import type { GatewayEventInput } from '../../lib/events/schema'
import { installContext } from './events'

let n = 0

/**
 * One chat stream as a gateway reports it (docs/events.md): a `stream_progress` event every 30 s from its start up to
 * `until`, and its closing `stream` event when it ends by then. Its output grows at `tokensPerSec` (40: an ordinary
 * answer; well under 1: a zombie).
 */
export function streamEvents(o: {
  tenant: string
  install: string
  start: number
  durationMs: number
  until: number
  tokensPerSec: number
}): GatewayEventInput[] {
  const id = `s-${o.install}-${n++}`
  const usage = (ms: number) => ({
    feature: 'chat_assistant',
    model: 'gpt-4o-mini',
    prompt_tokens: 900,
    completion_tokens: Math.round((ms / 1000) * o.tokensPerSec),
    context_tokens: 900,
    prompt_bytes: 3_600,
  })
  const base = { ...installContext(o.tenant, o.install), stream_id: id, transport: 'sse' as const, ttft_ms: 500 }
  const out: GatewayEventInput[] = []
  for (let at = 30_000; at < o.durationMs && o.start + at <= o.until; at += 30_000)
    out.push({ ...base, ...usage(at), type: 'stream_progress', event_id: `p-${id}-${at}`, ts: o.start + at, duration_ms: at })
  if (o.start + o.durationMs <= o.until)
    out.push({
      ...base,
      ...usage(o.durationMs),
      type: 'stream',
      event_id: `e-${id}`,
      ts: o.start + o.durationMs,
      duration_ms: o.durationMs,
      end_reason: 'completed',
    })
  return out
}
