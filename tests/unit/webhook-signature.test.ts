import { describe, expect, it } from 'vitest'
import { SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, timestampedSignatureHeaders, verifyTimestampedSignature } from '../../lib/alerts/webhook-signature'

// Issue 18, I1: a delivery's signature covers a timestamp, so a captured delivery cannot be replayed later.
describe('timestamped webhook signatures', () => {
  const secret = 'whsec-0123456789'
  const body = JSON.stringify({ text: 'incident opened' })
  const t0 = Date.UTC(2026, 0, 1, 12)
  const read = (h: Record<string, string>) => ({ timestamp: h[TIMESTAMP_HEADER], signature: h[SIGNATURE_V1_HEADER] })

  it('verifies a fresh delivery', () => {
    const h = timestampedSignatureHeaders(secret, body, t0)
    expect(h[TIMESTAMP_HEADER]).toBe(String(t0 / 1000))
    expect(h[SIGNATURE_V1_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/)
    expect(verifyTimestampedSignature(secret, body, read(h), t0 + 60_000)).toBe(true)
  })

  it('refuses a replay after the tolerance, a moved timestamp, another body or another secret', () => {
    const h = timestampedSignatureHeaders(secret, body, t0)
    expect(verifyTimestampedSignature(secret, body, read(h), t0 + 301_000)).toBe(false)
    // Re-stamping a captured delivery breaks the HMAC.
    expect(verifyTimestampedSignature(secret, body, { ...read(h), timestamp: String(t0 / 1000 + 600) }, t0 + 600_000)).toBe(false)
    expect(verifyTimestampedSignature(secret, `${body} `, read(h), t0)).toBe(false)
    expect(verifyTimestampedSignature('other', body, read(h), t0)).toBe(false)
    expect(verifyTimestampedSignature(secret, body, { timestamp: null, signature: read(h).signature }, t0)).toBe(false)
  })
})
