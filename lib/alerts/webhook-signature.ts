import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Webhook signatures that cannot be replayed: the HMAC covers a timestamp as
 * well as the body (`<unix seconds>.<body>`, the scheme Stripe and Slack use),
 * and the timestamp travels in its own header. A receiver recomputes the HMAC
 * and refuses deliveries older than a few minutes, so a captured delivery
 * cannot be sent again later. The body-only `sha256=` signature stays in
 * X-Burnrate-Signature for receivers built against it.
 */
export const SIGNATURE_V1_HEADER = 'X-Burnrate-Signature-V1'
export const TIMESTAMP_HEADER = 'X-Burnrate-Timestamp'
/** How old a delivery a receiver should still accept (and how far in the future). */
export const DEFAULT_TOLERANCE_SECONDS = 300

const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

/** Headers to add to a delivery of `body`. */
export function timestampedSignatureHeaders(secret: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000)
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_V1_HEADER]: `v1=${hmac(secret, timestamp, body)}` }
}

/** For receivers (and tests): true when the signature matches and the timestamp is fresh. */
export function verifyTimestampedSignature(
  secret: string,
  body: string,
  headers: { timestamp: string | null; signature: string | null },
  nowMs = Date.now(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (!headers.timestamp || !headers.signature || !/^\d{1,12}$/.test(headers.timestamp)) return false
  const timestamp = Number(headers.timestamp)
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(`v1=${hmac(secret, timestamp, body)}`)
  const given = Buffer.from(headers.signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
