import { z } from 'zod'
import { toIpPrefix } from './ip-prefix'

/**
 * Gateway event contract, schema_version 1. See docs/events.md.
 *
 * Objects are parsed with zod's default "strip" mode: unknown keys, including
 * any prompt or response text a gateway might attach, are dropped before a row
 * is built. Every string and number is bounded so that one message cannot
 * blow up a row.
 */
export const SCHEMA_VERSION = 1

const id = (max = 64) => z.string().min(1).max(max).regex(/^[A-Za-z0-9._:@/+=-]+$/, 'only [A-Za-z0-9._:@/+=-]')
const label = (max = 64) => z.string().min(1).max(max)
const count = (max: number) => z.number().int().min(0).max(max)

export const MAX_TOKENS = 10_000_000
export const MAX_DURATION_MS = 24 * 3_600_000

export const ATTESTATION_REASONS = [
  'emulator', 'rooted', 'jailbroken', 'repackaged', 'signature_mismatch', 'debugger_attached',
  'hooking_framework', 'token_missing', 'token_expired', 'token_invalid', 'other',
] as const
export const REQUEST_OUTCOMES = ['served', 'upstream_error', 'cut_by_policy'] as const
export const STREAM_END_REASONS = ['completed', 'client_disconnect', 'timeout', 'cut_by_policy'] as const
export const POLICY_RULE_KINDS = [
  'revoked', 'tokens_per_minute', 'tokens_per_day', 'spend_per_day', 'max_context_tokens',
  'max_output_tokens', 'max_concurrent_streams', 'degraded',
] as const
export const EVENT_TYPES = ['llm_request', 'attestation', 'stream', 'policy_denial', 'policy_ack'] as const

const timestamp = z.union([
  z.string().max(40).datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.number().int().min(0).max(8_640_000_000_000),
])

const ipPrefix = z.string().max(64).transform((value, ctx) => {
  const prefix = toIpPrefix(value)
  if (prefix === null) {
    ctx.addIssue({ code: 'custom', message: 'not an IP address or prefix' })
    return z.NEVER
  }
  return prefix
})

const base = {
  schema_version: z.literal(SCHEMA_VERSION),
  event_id: id(64),
  ts: timestamp,
  tenant_id: id(64),
}

/** Who made the call: install, app build, device and network, never a full IP. */
const installContext = {
  install_id: id(64),
  app_id: id(128),
  app_version: label(32),
  platform: z.enum(['android', 'ios', 'other']),
  device_model: label(64).default('unknown'),
  os_version: label(32).default('unknown'),
  device_fingerprint: z.string().regex(/^[0-9a-fA-F]{8,64}$/, 'hex hash, 8-64 chars').default('0000000000000000'),
  ip_prefix: ipPrefix.default('0.0.0.0/24'),
  asn: count(4_294_967_295).default(0),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2').default('ZZ'),
}

/** Token usage: the same fields on every event that costs money. */
const usage = {
  feature: id(64),
  model: id(96),
  prompt_tokens: count(MAX_TOKENS),
  completion_tokens: count(MAX_TOKENS),
  context_tokens: count(MAX_TOKENS),
  prompt_bytes: count(1_000_000_000),
  cost_micros: count(1_000_000_000_000).optional(),
}

export const llmRequestSchema = z.object({
  ...base, ...installContext, ...usage,
  type: z.literal('llm_request'),
  outcome: z.enum(REQUEST_OUTCOMES),
  latency_ms: count(MAX_DURATION_MS).default(0),
})

export const streamSchema = z.object({
  ...base, ...installContext, ...usage,
  type: z.literal('stream'),
  stream_id: id(64),
  transport: z.enum(['sse', 'websocket']),
  duration_ms: count(MAX_DURATION_MS),
  ttft_ms: count(MAX_DURATION_MS).default(0),
  end_reason: z.enum(STREAM_END_REASONS),
})

export const attestationSchema = z.object({
  ...base, ...installContext,
  type: z.literal('attestation'),
  verdict: z.enum(['accepted', 'rejected']),
  reasons: z.array(z.enum(ATTESTATION_REASONS)).max(ATTESTATION_REASONS.length).default([]),
  feature: id(64).optional(),
})

export const policyDenialSchema = z.object({
  ...base, ...installContext,
  type: z.literal('policy_denial'),
  feature: id(64),
  model: id(96).optional(),
  policy_version: count(Number.MAX_SAFE_INTEGER),
  rule_id: id(128),
  rule_kind: z.enum(POLICY_RULE_KINDS),
})

/** A gateway acknowledging that it enforces a policy version. */
export const policyAckSchema = z.object({
  ...base,
  type: z.literal('policy_ack'),
  gateway_id: id(64),
  policy_version: count(Number.MAX_SAFE_INTEGER),
})

export const gatewayEventSchema = z.discriminatedUnion('type', [
  llmRequestSchema, streamSchema, attestationSchema, policyDenialSchema, policyAckSchema,
])

export type GatewayEvent = z.infer<typeof gatewayEventSchema>
/** What a producer writes: timestamps may be ISO strings, defaults may be omitted. */
export type GatewayEventInput = z.input<typeof gatewayEventSchema>
export type EventType = GatewayEvent['type']
export type AttestationReason = (typeof ATTESTATION_REASONS)[number]
