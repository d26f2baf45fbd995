import { gatewayEventSchema, type GatewayEvent } from './schema'
import { fastParseEvent } from './fast-parse'
import { jsonErrorWithoutInput, maskAddresses, redactPayload } from './redact'

export type DeadLetterReason =
  'empty' | 'too_large' | 'invalid_utf8' | 'invalid_json' | 'schema' | 'unsupported_version' | 'timestamp_future' | 'timestamp_too_old' | 'duplicate_event_id'

export interface DecodeLimits {
  maxMessageBytes: number
  maxFutureSkewMs: number
  maxPastAgeMs: number
}

export type Decoded = { ok: true; event: GatewayEvent } | { ok: false; reason: DeadLetterReason; error: string; payload: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })
const MAX_ERROR_CHARS = 1024
/** As milliseconds, March 1973: no gateway sends earlier times, and epoch seconds of any date before the year 5000 are below it. */
const SECONDS_AS_MS_BELOW = 100_000_000_000

/** Error texts are stored with the dead letter, so they go through the same address masking as payloads. */
function reject(reason: DeadLetterReason, error: string, raw: Buffer, parsed?: unknown): Decoded {
  return { ok: false, reason, error: maskAddresses(error.slice(0, MAX_ERROR_CHARS)), payload: redactPayload(raw, parsed) }
}

/** A version as the error may quote it: numbers as sent, anything else only by its kind. */
const describeVersion = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? `a string of ${v.length} characters` : `a ${typeof v}`)

/**
 * Bytes → validated event, or the reason it is not one. Never throws: every
 * input ends as an event or as a dead letter.
 */
export function decodeEvent(raw: Buffer | null, limits: DecodeLimits, now: number): Decoded {
  if (!raw || raw.length === 0) return reject('empty', 'message has no value', Buffer.alloc(0))
  if (raw.length > limits.maxMessageBytes) {
    return reject('too_large', `message is ${raw.length} bytes, limit ${limits.maxMessageBytes}`, raw)
  }
  let text: string
  try {
    text = utf8.decode(raw)
  } catch {
    return reject('invalid_utf8', 'message is not valid UTF-8', raw)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return reject('invalid_json', jsonErrorWithoutInput((e as Error).message), raw)
  }
  const version = (parsed as { schema_version?: unknown } | null)?.schema_version
  if (typeof parsed === 'object' && parsed !== null && version !== undefined && version !== 1) {
    return reject('unsupported_version', `schema_version ${describeVersion(version)} is not supported (expected 1)`, raw, parsed)
  }
  const fast = fastParseEvent(parsed)
  const result = fast ? ({ success: true, data: fast } as const) : gatewayEventSchema.safeParse(parsed)
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')
    return reject('schema', detail, raw, parsed)
  }
  const event = result.data
  if (event.ts > now + limits.maxFutureSkewMs) {
    return reject('timestamp_future', `ts ${new Date(event.ts).toISOString()} is ahead of ingest time by more than ${limits.maxFutureSkewMs} ms`, raw, parsed)
  }
  if (event.ts < now - limits.maxPastAgeMs) {
    // A number of seconds read as milliseconds lands in January 1970: say so, as it is the usual producer mistake.
    const hint = event.ts < SECONDS_AS_MS_BELOW ? ' (epoch seconds? ts is epoch milliseconds or an ISO string)' : ''
    return reject('timestamp_too_old', `ts ${new Date(event.ts).toISOString()} is older than ${limits.maxPastAgeMs} ms${hint}`, raw, parsed)
  }
  return { ok: true, event }
}
