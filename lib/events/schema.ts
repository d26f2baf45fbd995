import { z } from 'zod'
import {
  countField,
  countryField,
  enumField,
  enumListField,
  hexHashField,
  idField,
  ipPrefixField,
  labelField,
  literalField,
  optional,
  timestampField,
  withDefault,
  zodShape,
  type Field,
} from './fields'

/**
 * Gateway event contract, schema_version 1. See docs/events.md.
 *
 * Each event type is one table of fields (fields.ts); its zod schema and its
 * fast-path parser (fast-parse.ts) are both derived from that table.
 * Objects are parsed with zod's default "strip" mode: unknown keys, including
 * any prompt or response text a gateway might attach, are dropped before a row
 * is built. Every string and number is bounded so that one message cannot
 * blow up a row.
 */
export const SCHEMA_VERSION = 1

export const MAX_TOKENS = 10_000_000
export const MAX_DURATION_MS = 24 * 3_600_000

export const ATTESTATION_REASONS = [
  'emulator',
  'rooted',
  'jailbroken',
  'repackaged',
  'signature_mismatch',
  'debugger_attached',
  'hooking_framework',
  'token_missing',
  'token_expired',
  'token_invalid',
  'other',
] as const
export const REQUEST_OUTCOMES = ['served', 'upstream_error', 'cut_by_policy'] as const
export const STREAM_END_REASONS = ['completed', 'client_disconnect', 'timeout', 'cut_by_policy'] as const
export const POLICY_RULE_KINDS = [
  'revoked',
  'tokens_per_minute',
  'tokens_per_day',
  'spend_per_day',
  'max_context_tokens',
  'max_output_tokens',
  'max_concurrent_streams',
  'degraded',
] as const
export const EVENT_TYPES = ['llm_request', 'attestation', 'stream', 'stream_progress', 'policy_denial', 'policy_ack'] as const

const base = {
  schema_version: literalField(SCHEMA_VERSION),
  event_id: idField(64),
  ts: timestampField(),
  tenant_id: idField(64),
}

/**
 * The values that stand for "not known" when a gateway leaves a field out (docs/events.md): they name no device,
 * network or place, so whatever compares installs or networks must not read two of them as the same or as different.
 */
export const UNKNOWN_INSTALL_CONTEXT = {
  device_model: 'unknown',
  os_version: 'unknown',
  device_fingerprint: '0000000000000000',
  ip_prefix: '0.0.0.0/24',
  asn: 0,
  country: 'ZZ',
} as const

/** Who made the call: install, app build, device and network, never a full IP. */
export const installContext = {
  install_id: idField(64),
  app_id: idField(128),
  app_version: labelField(32),
  platform: enumField(['android', 'ios', 'other']),
  device_model: withDefault(labelField(64), UNKNOWN_INSTALL_CONTEXT.device_model),
  os_version: withDefault(labelField(32), UNKNOWN_INSTALL_CONTEXT.os_version),
  device_fingerprint: withDefault(hexHashField(), UNKNOWN_INSTALL_CONTEXT.device_fingerprint),
  ip_prefix: withDefault(ipPrefixField(), UNKNOWN_INSTALL_CONTEXT.ip_prefix),
  asn: withDefault(countField(4_294_967_295), UNKNOWN_INSTALL_CONTEXT.asn),
  country: withDefault(countryField(), UNKNOWN_INSTALL_CONTEXT.country),
}

/** Token usage of a call, so far or in all (docs/events.md defines each field). */
const tokens = {
  feature: idField(64),
  model: idField(96),
  prompt_tokens: countField(MAX_TOKENS),
  completion_tokens: countField(MAX_TOKENS),
  context_tokens: countField(MAX_TOKENS),
  prompt_bytes: countField(1_000_000_000),
}
/** The fields of every event that costs money. */
const usage = { ...tokens, cost_micros: optional(countField(1_000_000_000_000)) }
const streamFields = {
  stream_id: idField(64),
  transport: enumField(['sse', 'websocket']),
  duration_ms: countField(MAX_DURATION_MS),
  ttft_ms: withDefault(countField(MAX_DURATION_MS), 0),
}

/** Every event type's field table: the one declaration the schemas and the fast path derive from. */
export const EVENT_FIELDS = {
  llm_request: {
    ...base,
    ...installContext,
    ...usage,
    type: literalField('llm_request'),
    outcome: enumField(REQUEST_OUTCOMES),
    latency_ms: withDefault(countField(MAX_DURATION_MS), 0),
  },
  stream: {
    ...base,
    ...installContext,
    ...usage,
    type: literalField('stream'),
    ...streamFields,
    end_reason: enumField(STREAM_END_REASONS),
  },
  /**
   * A stream still open, reported every 30 s (5-60 s) after its first 30 s:
   * tokens and duration so far. No cost: the final `stream` event carries it,
   * and ingest never prices or counts these (cost_micros, if sent, is dropped).
   */
  stream_progress: { ...base, ...installContext, ...tokens, type: literalField('stream_progress'), ...streamFields },
  attestation: {
    ...base,
    ...installContext,
    type: literalField('attestation'),
    verdict: enumField(['accepted', 'rejected']),
    reasons: withDefault(enumListField(ATTESTATION_REASONS), []),
    feature: optional(idField(64)),
  },
  policy_denial: {
    ...base,
    ...installContext,
    type: literalField('policy_denial'),
    feature: idField(64),
    model: optional(idField(96)),
    policy_version: countField(Number.MAX_SAFE_INTEGER),
    rule_id: idField(128),
    rule_kind: enumField(POLICY_RULE_KINDS),
  },
  /** A gateway acknowledging that it enforces a policy version. */
  policy_ack: {
    ...base,
    type: literalField('policy_ack'),
    gateway_id: idField(64),
    policy_version: countField(Number.MAX_SAFE_INTEGER),
  },
} satisfies Record<(typeof EVENT_TYPES)[number], Record<string, Field>>

export const llmRequestSchema = z.object(zodShape(EVENT_FIELDS.llm_request))
export const streamSchema = z.object(zodShape(EVENT_FIELDS.stream))
export const streamProgressSchema = z.object(zodShape(EVENT_FIELDS.stream_progress))
export const attestationSchema = z.object(zodShape(EVENT_FIELDS.attestation))
export const policyDenialSchema = z.object(zodShape(EVENT_FIELDS.policy_denial))
export const policyAckSchema = z.object(zodShape(EVENT_FIELDS.policy_ack))

export const gatewayEventSchema = z.discriminatedUnion('type', [
  llmRequestSchema,
  streamSchema,
  streamProgressSchema,
  attestationSchema,
  policyDenialSchema,
  policyAckSchema,
])

export type GatewayEvent = z.infer<typeof gatewayEventSchema>
/** What a producer writes: timestamps may be ISO strings, defaults may be omitted. */
export type GatewayEventInput = z.input<typeof gatewayEventSchema>
export type EventType = GatewayEvent['type']
export type AttestationReason = (typeof ATTESTATION_REASONS)[number]
