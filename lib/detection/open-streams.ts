import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { openStreamsSql } from './sql/open-streams'

/**
 * Streams still open, as their last `stream_progress` report saw them. The
 * gateway reports a stream once it has run 30 s and every ~30 s after, so a
 * stream reported within OPEN_WITHIN_MS is taken as open now. Detectors use
 * these to judge a stream while it runs (an oversized prompt, a zombie)
 * rather than when it closes, minutes later.
 */
export const OPEN_WITHIN_MS = 45_000

export interface OpenStream {
  tenant_id: string
  install_id: string
  stream_id: string
  feature: string
  start_ms: number
  last_ms: number
  elapsed_ms: number
  context_tokens: number
  completion_tokens: number
}

export async function openStreams(store: Store, now: number, opts: { tenant?: string; withinMs?: number } = {}): Promise<OpenStream[]> {
  const rows = await selectRows<Record<string, unknown>>(store, openStreamsSql(store.database), {
    from: toSec(now - (opts.withinMs ?? OPEN_WITHIN_MS)),
    to: toSec(now) + 1,
    tenant: opts.tenant ?? '',
  })
  return rows.map((r) => ({
    tenant_id: String(r.tenant_id),
    install_id: String(r.install_id),
    stream_id: String(r.stream_id),
    feature: String(r.feature),
    start_ms: num(r.start_ms),
    last_ms: num(r.last_ms),
    elapsed_ms: num(r.elapsed_ms),
    context_tokens: num(r.context_tokens),
    completion_tokens: num(r.completion_tokens),
  }))
}

/** Open streams per tenant\0feature\0install: how many, their summed and largest context. */
export function openByInstallFeature(list: OpenStream[]): Map<string, { streams: number; context: number; maxContext: number }> {
  const out = new Map<string, { streams: number; context: number; maxContext: number }>()
  for (const s of list) {
    const key = `${s.tenant_id}\u0000${s.feature}\u0000${s.install_id}`
    const cur = out.get(key) ?? { streams: 0, context: 0, maxContext: 0 }
    cur.streams++
    cur.context += s.context_tokens
    cur.maxContext = Math.max(cur.maxContext, s.context_tokens)
    out.set(key, cur)
  }
  return out
}
