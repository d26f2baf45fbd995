import { createHash } from 'node:crypto'
import { toIpPrefix } from './ip-prefix'
import { IPV4_IN_TEXT, IPV6_IN_TEXT, maskLabelAddresses } from './label-addresses'
import { gatewayEventSchema } from './schema'

/**
 * Dead letters keep enough of a payload for an operator to see what was
 * wrong, and nothing a user typed or a full client address. A broken gateway
 * may put prompt text anywhere, under any key, so strings are kept only under
 * the contract's own field names and only in the length of an identifier;
 * every other string becomes its size. Addresses are cut to the prefix that
 * events store. Bytes that are not JSON are described, never kept.
 */
const CONTRACT_KEYS: ReadonlySet<string> = new Set(gatewayEventSchema.options.flatMap((o) => Object.keys(o.shape)))
/** Contract fields whose value, if a string, is an address. */
const ADDRESS_KEYS = new Set(['ip_prefix'])
/** Contract fields that take a number: a string there is not something the contract lets a gateway say. */
const NUMBER_KEYS = new Set([
  'schema_version',
  'asn',
  'prompt_tokens',
  'completion_tokens',
  'context_tokens',
  'prompt_bytes',
  'cost_micros',
  'latency_ms',
  'duration_ms',
  'ttft_ms',
  'policy_version',
])
/**
 * Client-sent labels: masked as events store them (valid addresses only), so
 * a dotted version that is no address (1.2.3.400) is shown as sent.
 */
const LABEL_KEYS = new Set(['app_version', 'os_version', 'device_model'])
/** The longest string a contract field accepts (ids ≤ 64, app_id ≤ 128). */
const MAX_KEPT_STRING = 128
const SAFE_KEY = /^[A-Za-z0-9_.-]{1,64}$/
const MAX_DEPTH = 6
const MAX_ITEMS = 50
export const MAX_STORED_PAYLOAD_BYTES = 2048

const size = (s: string) => `[redacted ${Buffer.byteLength(s)} bytes]`

/**
 * Replaces every address in a text by its stored prefix. A run that is not a
 * valid address is masked too when it has an address's shape (four numbers
 * with dots, three colons or more); a clock time like 10:00:00 is left alone.
 */
export function maskAddresses(text: string): string {
  return text
    .replace(IPV4_IN_TEXT, (m) => toIpPrefix(m) ?? '[address]')
    .replace(IPV6_IN_TEXT, (m) => toIpPrefix(m) ?? (m.split(':').length > 3 ? '[address]' : m))
}

function keepString(value: string, key: string | null): string {
  if (key === null || !CONTRACT_KEYS.has(key) || NUMBER_KEYS.has(key) || value.length > MAX_KEPT_STRING) return size(value)
  if (ADDRESS_KEYS.has(key)) return toIpPrefix(value) ?? `[not an address, ${Buffer.byteLength(value)} bytes]`
  return LABEL_KEYS.has(key) ? maskLabelAddresses(value) : maskAddresses(value)
}

/** `key` is the contract field a value sits under; null once inside anything the contract does not define. */
function redactValue(value: unknown, key: string | null, depth: number): unknown {
  if (typeof value === 'string') return keepString(value, key)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[nested too deep]'
  // Only `reasons` is an array in the contract; its items are strings of the field.
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => redactValue(v, key === 'reasons' ? key : null, depth + 1))
  const out: Record<string, unknown> = {}
  let n = 0
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= MAX_ITEMS) break
    // Keys are free text too: one made of a sentence is replaced like any string.
    const field = depth === 0 && CONTRACT_KEYS.has(k) ? k : null
    out[SAFE_KEY.test(k) ? k : `[key ${Buffer.byteLength(k)} bytes]#${n}`] = redactValue(v, field, depth + 1)
  }
  return out
}

/**
 * What bytes that could not be parsed looked like: their size, a hash to
 * match them with what the producer logged, and the shape of their start
 * with every letter and digit masked, which tells JSON from XML, Avro or
 * protobuf without keeping a word of text.
 */
export function describeBytes(raw: Buffer): string {
  if (raw.length === 0) return '[0 bytes]'
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16)
  let shape = ''
  for (const byte of raw.subarray(0, 48)) {
    if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) shape += 'a'
    else if (byte >= 0x30 && byte <= 0x39) shape += '0'
    else if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) shape += ' '
    else if (byte > 0x20 && byte < 0x7f) shape += String.fromCharCode(byte)
    else shape += '·'
  }
  return `[${raw.length} bytes, sha256 ${hash}, shape ${JSON.stringify(shape)}${raw.length > 48 ? '…' : ''}]`
}

/** JSON payloads are redacted structurally; anything else is described. */
export function redactPayload(raw: Buffer, parsed?: unknown): string {
  const text = parsed !== undefined ? JSON.stringify(redactValue(parsed, null, 0)) : describeBytes(raw)
  return text.length > MAX_STORED_PAYLOAD_BYTES ? `${text.slice(0, MAX_STORED_PAYLOAD_BYTES)}…` : text
}

/**
 * V8 quotes the start of the input in JSON.parse errors ("Unexpected token
 * 'h', "hello worl"... is not valid JSON"): keep what kind of error it was, drop the quoted input.
 */
export function jsonErrorWithoutInput(message: string): string {
  return message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, ', the input is not valid JSON')
}
