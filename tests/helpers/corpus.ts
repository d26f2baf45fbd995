import { llmRequest } from './events'
import type { RawRecord } from '../../harness/kafka-io'

/** Valid events of every type, keyed by install id as the gateway does. */
export function validRecords(n: number, tag: string): RawRecord[] {
  const out: RawRecord[] = []
  const now = Date.now()
  for (let i = 0; i < n; i++) {
    const install = `inst-${tag}-${i % 97}`
    const common = { event_id: `${tag}-${i}`, install_id: install, ts: now - (i % 600) * 1000 }
    let event: Record<string, unknown>
    switch (i % 4) {
      case 0:
        event = llmRequest(common)
        break
      case 1: {
        const { outcome: _o, latency_ms: _l, ...base } = llmRequest(common) as Record<string, unknown>
        event = {
          ...base,
          type: 'stream',
          stream_id: `s-${tag}-${i}`,
          transport: 'sse',
          duration_ms: 4000 + i,
          ttft_ms: 300,
          end_reason: i % 8 === 1 ? 'client_disconnect' : 'completed',
        }
        break
      }
      case 2: {
        const r = llmRequest(common) as Record<string, unknown>
        event = {
          schema_version: 1,
          type: 'attestation',
          event_id: r.event_id,
          ts: r.ts,
          tenant_id: r.tenant_id,
          install_id: install,
          app_id: r.app_id,
          app_version: r.app_version,
          platform: r.platform,
          verdict: i % 8 === 2 ? 'rejected' : 'accepted',
          reasons: i % 8 === 2 ? ['emulator'] : [],
        }
        break
      }
      default:
        event = llmRequest({ ...common, cost_micros: 1234, model: 'claude-sonnet-4' })
    }
    out.push({ key: install, value: JSON.stringify(event) })
  }
  return out
}

/** Malformed messages, one per kind of damage, cycled to length m. */
export function malformedRecords(m: number, tag: string): RawRecord[] {
  const kinds: ((i: number) => RawRecord)[] = [
    () => ({ key: 'x', value: '{"broken": ' }),
    () => ({ key: 'x', value: Buffer.from([0xc3, 0x28, 0xff]) }),
    (i) => ({ key: 'x', value: JSON.stringify({ ...llmRequest({ event_id: `${tag}-bad-${i}` }), prompt_tokens: -1 }) }),
    (i) => ({ key: 'x', value: JSON.stringify({ ...llmRequest({ event_id: `${tag}-bad-${i}` }), type: 'unknown' }) }),
    () => ({ key: 'x', value: JSON.stringify({ hello: 'world' }) }),
    (i) => ({ key: 'x', value: JSON.stringify(llmRequest({ event_id: `${tag}-bad-${i}`, ts: Date.now() + 86_400_000 })) }),
    () => ({ key: 'x', value: null }),
    () => ({ key: 'x', value: 'x'.repeat(70_000) }),
  ]
  return Array.from({ length: m }, (_, i) => kinds[i % kinds.length](i))
}
