/** A message as any source hands it to the pipeline, with its position in that source. */
export interface SourceMessage {
  topic: string
  partition: number
  offset: number
  key: string | null
  value: Buffer | null
}

/** Column names match the events table (migration 0001). */
export interface EventRow {
  ts: number
  event_id: string
  type: string
  tenant_id: string
  install_id: string
  app_id: string
  app_version: string
  platform: string
  device_model: string
  os_version: string
  device_fingerprint: string
  ip_prefix: string
  asn: number
  country: string
  feature: string
  model: string
  prompt_tokens: number
  completion_tokens: number
  context_tokens: number
  prompt_bytes: number
  cost_micros: number
  cost_source: 'gateway' | 'catalog' | 'unpriced' | 'none'
  outcome: string
  latency_ms: number
  stream_id: string
  transport: string
  duration_ms: number
  ttft_ms: number
  end_reason: string
  verdict: string
  reasons: string[]
  policy_version: number
  rule_id: string
  rule_kind: string
  gateway_id: string
  src_topic: string
  src_partition: number
  src_offset: number
}

export interface DeadLetterRow {
  received_at: number
  src_topic: string
  src_partition: number
  src_offset: number
  message_key: string
  reason: string
  error: string
  payload: string
  payload_bytes: number
}
