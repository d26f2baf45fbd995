import type { GatewayEvent } from '../events/schema'
import type { PriceBook } from '../pricing/cost'
import type { EventRow, SourceMessage } from './types'

const EMPTY = {
  install_id: '', app_id: '', app_version: '', platform: '', device_model: '', os_version: '',
  device_fingerprint: '', ip_prefix: '', asn: 0, country: '', feature: '', model: '',
  prompt_tokens: 0, completion_tokens: 0, context_tokens: 0, prompt_bytes: 0, cost_micros: 0,
  cost_source: 'none' as const, outcome: '', latency_ms: 0, stream_id: '', transport: '', duration_ms: 0,
  ttft_ms: 0, end_reason: '', verdict: '', reasons: [] as string[], policy_version: 0, rule_id: '',
  rule_kind: '', gateway_id: '',
}

function price(event: GatewayEvent & { type: 'llm_request' | 'stream' }, prices: PriceBook) {
  if (event.cost_micros !== undefined) return { cost_micros: event.cost_micros, cost_source: 'gateway' as const }
  const cost = prices.costMicros(event.model, event.ts, event.prompt_tokens, event.completion_tokens)
  return cost === null
    ? { cost_micros: 0, cost_source: 'unpriced' as const }
    : { cost_micros: cost, cost_source: 'catalog' as const }
}

/**
 * One validated event → one row. Streams are costed on the tokens actually
 * streamed, so a stream cut by a disconnect still shows what it cost.
 */
export function toRow(event: GatewayEvent, at: SourceMessage, prices: PriceBook): EventRow {
  const { schema_version: _v, ...fields } = event
  const position = { src_topic: at.topic, src_partition: at.partition, src_offset: at.offset }
  switch (fields.type) {
    case 'llm_request':
    case 'stream':
      return { ...EMPTY, ...fields, ...price(event as GatewayEvent & { type: 'llm_request' | 'stream' }, prices), ...position }
    case 'attestation':
      return { ...EMPTY, ...fields, feature: fields.feature ?? '', ...position }
    case 'policy_denial':
      return { ...EMPTY, ...fields, model: fields.model ?? '', ...position }
    case 'policy_ack':
      return { ...EMPTY, ...fields, ...position }
  }
}
