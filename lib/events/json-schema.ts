import { z } from 'zod'
import { gatewayEventSchema, SCHEMA_VERSION } from './schema'

/**
 * The event contract as a JSON Schema (draft 2020-12), generated from the zod
 * schema so the two cannot disagree: served at GET /api/contract/events.schema.json
 * and committed as docs/events.schema.json (`npm run docs:schema`; a test fails
 * when the file is stale). Generated for the input side: what a producer may
 * send, with defaults optional and ISO or epoch timestamps. Unknown keys are
 * allowed, as ingest drops them. docs/events.md defines every field in full;
 * the descriptions here are its one-line summaries.
 */
const FIELD_DESCRIPTIONS: Record<string, string> = {
  schema_version: 'Contract version. Only 1 is accepted.',
  type: 'Event type; selects which fields apply.',
  event_id: 'Unique per event, chosen by the gateway; a retry of the same event reuses it.',
  ts: 'Gateway wall clock (ISO-8601 with offset, or epoch ms). llm_request: call finished; stream: stream ended; stream_progress: report made; attestation: check made; policy_denial: call refused; policy_ack: version enforced from.',
  tenant_id: 'The customer the app belongs to.',
  install_id: 'Per-install identity behind the short-lived token, as the gateway resolved it.',
  app_id: "The app's bundle or package id.",
  app_version: 'Client-sent version name. Any IP address inside is stored as its prefix.',
  platform: 'Client platform.',
  device_model: "Client-sent device model (default 'unknown'). Any IP address inside is stored as its prefix.",
  os_version: "Client-sent OS version (default 'unknown'). Any IP address inside is stored as its prefix.",
  device_fingerprint: 'Hex hash of device traits, never a raw hardware id.',
  ip_prefix:
    "Client address or CIDR prefix as the gateway saw it (default '0.0.0.0/24'); must parse as IPv4/IPv6 (checked at ingest); stored masked to /24 or /48.",
  asn: 'Autonomous system of the client address, 0 if unknown.',
  country: 'ISO 3166-1 alpha-2 country of the client address, ZZ if unknown.',
  feature: 'The product feature that made the call.',
  model: 'The model the upstream served, as spelled in the pricing catalog.',
  prompt_tokens: 'Input tokens the provider billed (its usage report); the same input as context_tokens. 0 if the upstream failed before reporting usage.',
  completion_tokens: 'Output tokens billed; for a stream those generated until it ended, for stream_progress those generated so far.',
  context_tokens:
    'Whole input sent to the model (system prompt, history, retrieved documents, tools, user message), counted by the gateway before the call. Input only.',
  prompt_bytes: 'UTF-8 bytes of the input text that context_tokens counts.',
  cost_micros: 'Optional cost in micro-USD by the gateway; absent: priced by Burnrate from prompt_tokens and completion_tokens.',
  outcome: 'How the call ended.',
  latency_ms: 'Request received at the gateway to last byte sent to the client, including gateway queueing (default 0).',
  stream_id: 'Id of the stream, the same in its stream_progress reports and its final stream event.',
  transport: 'Stream transport.',
  duration_ms: 'Stream request received at the gateway to the stream end (stream) or to this report (stream_progress).',
  ttft_ms: 'Request received at the gateway to the first token byte sent to the client; 0 if none yet (default 0).',
  end_reason: 'Why the stream ended.',
  verdict: 'Attestation result.',
  reasons: 'Why attestation failed (default []).',
  policy_version: 'The policy version in force (policy_denial) or now enforced (policy_ack).',
  rule_id: 'The policy rule that refused the call.',
  rule_kind: 'Kind of that rule.',
  gateway_id: 'The acknowledging gateway.',
}

const TYPE_DESCRIPTIONS: Record<string, string> = {
  llm_request: 'A completed non-streaming call.',
  stream: 'One SSE or WebSocket stream, sent when it ends; carries its cost.',
  stream_progress: 'A stream still open, every 30 s (5-60 s) after its first 30 s; never costed.',
  attestation: 'The result of an app-attestation / token check.',
  policy_denial: 'The gateway refused a call because of Burnrate policy.',
  policy_ack: 'A gateway now enforces a policy version.',
}

type JsonObject = Record<string, unknown>

function build(): JsonObject {
  const generated = z.toJSONSchema(gatewayEventSchema, { io: 'input', target: 'draft-2020-12' }) as JsonObject
  const variants = generated.oneOf as JsonObject[]
  for (const variant of variants) {
    const properties = variant.properties as Record<string, JsonObject>
    const type = (properties.type as { const: string }).const
    variant.title = type
    variant.description = TYPE_DESCRIPTIONS[type]
    for (const [key, property] of Object.entries(properties)) {
      const description = FIELD_DESCRIPTIONS[key]
      if (!description) throw new Error(`events JSON Schema: no description for field ${key}`)
      property.description = description
    }
  }
  const { $schema, ...rest } = generated
  return {
    $schema,
    title: `Burnrate gateway event, schema_version ${SCHEMA_VERSION}`,
    description: 'One JSON message per Kafka record, keyed by install_id. Definitions: docs/events.md.',
    ...rest,
  }
}

let cached: JsonObject | undefined

/** The contract as a JSON Schema object (built once). */
export function eventsJsonSchema(): JsonObject {
  cached ??= build()
  return cached
}

/** The committed file's exact text: two-space JSON and a final newline. */
export function eventsJsonSchemaText(): string {
  return `${JSON.stringify(eventsJsonSchema(), null, 2)}\n`
}
