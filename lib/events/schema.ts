import { z } from 'zod'
import { toIpPrefix } from './ip-prefix'
import { maskLabelAddresses } from './label-addresses'

/**
 * Gateway event contract, schema_version 1. See docs/events.md.
 *
 * Objects are parsed with zod's default "strip" mode: unknown keys, including
 * any prompt or response text a gateway might attach, are dropped before a row
 * is built. Every string and number is bounded so that one message cannot
 * blow up a row.
 */
export const SCHEMA_VERSION = 1

const id = (max = 64) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9._:@/+=-]+$/, 'only [A-Za-z0-9._:@/+=-]')
/** Client-sent free text; any IP address inside is cut to its prefix (docs/events.md, Rules). */
const label = (max = 64) => z.string().min(1).max(max).transform(maskLabelAddresses)
const count = (max: number) => z.number().int().min(0).max(max)

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

const timestamp = z.union([
  z
    .string()
    .max(40)
    .datetime({ offset: true })
    .transform((s) => Date.parse(s)),
  z.number().int().min(0).max(8_640_000_000_000),
])

const ipPrefix = z
  .string()
  .max(64)
  .transform((value, ctx) => {
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
  device_fingerprint: z
    .string()
    .regex(/^[0-9a-fA-F]{8,64}$/, 'hex hash, 8-64 chars')
    .default('0000000000000000'),
  ip_prefix: ipPrefix.default('0.0.0.0/24'),
  asn: count(4_294_967_295).default(0),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2')
    .default('ZZ'),
}

/** Token usage of a call, so far or in all (docs/events.md defines each field). */
const tokens = {
  feature: id(64),
  model: id(96),
  prompt_tokens: count(MAX_TOKENS),
  completion_tokens: count(MAX_TOKENS),
  context_tokens: count(MAX_TOKENS),
  prompt_bytes: count(1_000_000_000),
}
/** The fields of every event that costs money. */
const usage = { ...tokens, cost_micros: count(1_000_000_000_000).optional() }
const streamFields = {
  stream_id: id(64),
  transport: z.enum(['sse', 'websocket']),
  duration_ms: count(MAX_DURATION_MS),
  ttft_ms: count(MAX_DURATION_MS).default(0),
}

export const llmRequestSchema = z.object({
  ...base,
  ...installContext,
  ...usage,
  type: z.literal('llm_request'),
  outcome: z.enum(REQUEST_OUTCOMES),
  latency_ms: count(MAX_DURATION_MS).default(0),
})

export const streamSchema = z.object({
  ...base,
  ...installContext,
  ...usage,
  type: z.literal('stream'),
  ...streamFields,
  end_reason: z.enum(STREAM_END_REASONS),
})

/**
 * A stream still open, reported every 30 s (5-60 s) after its first 30 s:
 * tokens and duration so far. No cost: the final `stream` event carries it,
 * and ingest never prices or counts these (cost_micros, if sent, is dropped).
 */
export const streamProgressSchema = z.object({
  ...base,
  ...installContext,
  ...tokens,
  type: z.literal('stream_progress'),
  ...streamFields,
})

export const attestationSchema = z.object({
  ...base,
  ...installContext,
  type: z.literal('attestation'),
  verdict: z.enum(['accepted', 'rejected']),
  reasons: z.array(z.enum(ATTESTATION_REASONS)).max(ATTESTATION_REASONS.length).default([]),
  feature: id(64).optional(),
})

export const policyDenialSchema = z.object({
  ...base,
  ...installContext,
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

// ---------------------------------------------------------------------------
// Fast path. zod costs 3–4× a JSON.parse per event, most of the ingest CPU.
// fastParseEvent checks the same rules by hand for well-formed input and
// returns exactly what gatewayEventSchema.parse would; whenever anything is
// unusual (an ISO timestamp, a failed check, an unknown type) it returns
// undefined and the caller runs zod, which stays the single source of error
// messages. It may only ever be stricter than zod, never looser:
// tests/integration/faults-poison.test.ts compares both on a fuzzed corpus.

const ID_RE = /^[A-Za-z0-9._:@/+=-]+$/
const HEX_RE = /^[0-9a-fA-F]{8,64}$/
const COUNTRY_RE = /^[A-Z]{2}$/
type Check = (v: unknown) => unknown
const SKIP = Symbol('invalid')
const idF =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length >= 1 && v.length <= max && ID_RE.test(v) ? v : SKIP
const labelF =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length >= 1 && v.length <= max ? maskLabelAddresses(v) : SKIP
const countF =
  (max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max ? v : SKIP
const enumF = (values: readonly string[]): Check => {
  const set = new Set(values)
  return (v) => (typeof v === 'string' && set.has(v) ? v : SKIP)
}
const reFF =
  (re: RegExp): Check =>
  (v) =>
    typeof v === 'string' && re.test(v) ? v : SKIP
const tsF: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 8_640_000_000_000 ? v : SKIP)
// Installs repeat their address, so most prefixes are already known.
const ipMemo = new Map<string, string | null>()
const ipF: Check = (v) => {
  if (typeof v !== 'string' || v.length > 64) return SKIP
  let prefix = ipMemo.get(v)
  if (prefix === undefined) {
    if (ipMemo.size >= 50_000) ipMemo.clear()
    prefix = toIpPrefix(v)
    ipMemo.set(v, prefix)
  }
  return prefix ?? SKIP
}
const reasonSet = new Set<string>(ATTESTATION_REASONS)
const reasonsF: Check = (v) =>
  Array.isArray(v) && v.length <= ATTESTATION_REASONS.length && v.every((r) => typeof r === 'string' && reasonSet.has(r)) ? [...v] : SKIP

/** [key, check, absent: 'required' | 'optional' | default value] */
type Field = readonly [string, Check, unknown]
const R = 'required'
const O = 'optional'
const baseF: Field[] = [
  ['schema_version', (v) => (v === 1 ? v : SKIP), R],
  ['event_id', idF(64), R],
  ['ts', tsF, R],
  ['tenant_id', idF(64), R],
]
const installF: Field[] = [
  ['install_id', idF(64), R],
  ['app_id', idF(128), R],
  ['app_version', labelF(32), R],
  ['platform', enumF(['android', 'ios', 'other']), R],
  ['device_model', labelF(64), 'unknown'],
  ['os_version', labelF(32), 'unknown'],
  ['device_fingerprint', reFF(HEX_RE), '0000000000000000'],
  ['ip_prefix', ipF, '0.0.0.0/24'],
  ['asn', countF(4_294_967_295), 0],
  ['country', reFF(COUNTRY_RE), 'ZZ'],
]
const tokensF: Field[] = [
  ['feature', idF(64), R],
  ['model', idF(96), R],
  ['prompt_tokens', countF(MAX_TOKENS), R],
  ['completion_tokens', countF(MAX_TOKENS), R],
  ['context_tokens', countF(MAX_TOKENS), R],
  ['prompt_bytes', countF(1_000_000_000), R],
]
const usageF: Field[] = [...tokensF, ['cost_micros', countF(1_000_000_000_000), O]]
const streamF: Field[] = [
  ['stream_id', idF(64), R],
  ['transport', enumF(['sse', 'websocket']), R],
  ['duration_ms', countF(MAX_DURATION_MS), R],
  ['ttft_ms', countF(MAX_DURATION_MS), 0],
]
const typeF = (t: string): Field => ['type', (v) => (v === t ? v : SKIP), R]
const FAST_SHAPES: Record<string, Field[]> = {
  llm_request: [...baseF, ...installF, ...usageF, typeF('llm_request'), ['outcome', enumF(REQUEST_OUTCOMES), R], ['latency_ms', countF(MAX_DURATION_MS), 0]],
  stream: [...baseF, ...installF, ...usageF, typeF('stream'), ...streamF, ['end_reason', enumF(STREAM_END_REASONS), R]],
  stream_progress: [...baseF, ...installF, ...tokensF, typeF('stream_progress'), ...streamF],
  attestation: [
    ...baseF,
    ...installF,
    typeF('attestation'),
    ['verdict', enumF(['accepted', 'rejected']), R],
    ['reasons', reasonsF, []],
    ['feature', idF(64), O],
  ],
  policy_denial: [
    ...baseF,
    ...installF,
    typeF('policy_denial'),
    ['feature', idF(64), R],
    ['model', idF(96), O],
    ['policy_version', countF(Number.MAX_SAFE_INTEGER), R],
    ['rule_id', idF(128), R],
    ['rule_kind', enumF(POLICY_RULE_KINDS), R],
  ],
  policy_ack: [...baseF, typeF('policy_ack'), ['gateway_id', idF(64), R], ['policy_version', countF(Number.MAX_SAFE_INTEGER), R]],
}

type ShapeParser = (obj: Record<string, unknown>) => GatewayEvent | undefined

/**
 * One parser per event type with every key spelled out, generated from its
 * field table. A loop over the table read `obj[key]` and wrote `out[key]`
 * with a different key each time, which made both megamorphic and left `out`
 * a dictionary: 7.5–10 µs per event, more than JSON.parse itself. Keys come
 * from the tables above, never from input.
 */
function compileShape(fields: readonly Field[]): ShapeParser {
  const body: string[] = []
  const literal: string[] = []
  const optional: string[] = []
  fields.forEach(([key, , absent], i) => {
    const k = JSON.stringify(key)
    body.push(`let v${i} = obj[${k}];`)
    if (absent === O) {
      // Absent optional keys stay absent in the event, as in zod's output.
      body.push(`if (v${i} !== undefined && (v${i} = checks[${i}](v${i})) === SKIP) return undefined;`)
      optional.push(`if (v${i} !== undefined) out[${k}] = v${i};`)
      return
    }
    if (absent === R) body.push(`if (v${i} === undefined || (v${i} = checks[${i}](v${i})) === SKIP) return undefined;`)
    else
      body.push(
        `if (v${i} === undefined) v${i} = ${Array.isArray(absent) ? '[]' : `defaults[${i}]`}; else if ((v${i} = checks[${i}](v${i})) === SKIP) return undefined;`,
      )
    literal.push(`${k}: v${i}`)
  })
  const source = `${body.join('\n')}\nconst out = { ${literal.join(', ')} };\n${optional.join('\n')}\nreturn out;`
  const make = new Function('checks', 'defaults', 'SKIP', `return function parseShape(obj) {\n${source}\n}`)
  return make(
    fields.map(([, check]) => check),
    fields.map(([, , absent]) => absent),
    SKIP,
  ) as ShapeParser
}

const FAST_PARSERS = new Map<string, ShapeParser>(Object.entries(FAST_SHAPES).map(([type, fields]) => [type, compileShape(fields)]))

/** The parsed event if `input` is plainly valid, else undefined (run zod for the verdict and the reasons). */
export function fastParseEvent(input: unknown): GatewayEvent | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const type = (input as { type?: unknown }).type
  const parse = typeof type === 'string' ? FAST_PARSERS.get(type) : undefined
  return parse ? parse(input as Record<string, unknown>) : undefined
}
