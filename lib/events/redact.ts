/**
 * Dead letters keep the payload so an operator can see what was wrong, but a
 * broken gateway may have put prompt or response text in it. Long strings and
 * text-bearing keys are replaced by their size before anything is stored.
 */
const TEXT_KEYS = /^(prompt|prompts|response|responses|completion|messages?|content|text|input|output|system|query|answer)$/i
const MAX_STRING = 128
const MAX_DEPTH = 6
export const MAX_STORED_PAYLOAD_BYTES = 2048

function redactValue(value: unknown, key: string, depth: number): unknown {
  if (typeof value === 'string') {
    if (TEXT_KEYS.test(key) || value.length > MAX_STRING) return `[redacted ${Buffer.byteLength(value)} bytes]`
    return value
  }
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[nested too deep]'
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => redactValue(v, key, depth + 1))
  const out: Record<string, unknown> = {}
  let n = 0
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= 50) break
    out[k.slice(0, 64)] = redactValue(v, k, depth + 1)
  }
  return out
}

/** JSON payloads are redacted structurally; anything else keeps a short escaped prefix. */
export function redactPayload(raw: Buffer, parsed?: unknown): string {
  let text: string
  if (parsed !== undefined) {
    text = JSON.stringify(redactValue(parsed, '', 0))
  } else {
    const head = raw.subarray(0, 256).toString('latin1')
    text = JSON.stringify(head).slice(1, -1) + (raw.length > 256 ? `…[+${raw.length - 256} bytes]` : '')
  }
  return text.length > MAX_STORED_PAYLOAD_BYTES ? `${text.slice(0, MAX_STORED_PAYLOAD_BYTES)}…` : text
}
