import { describe, expect, it } from 'vitest'
import { decodeEvent } from '../../lib/events/decode'
import { gatewayEventSchema } from '../../lib/events/schema'
import { fastParseEvent } from '../../lib/events/fast-parse'
import { llmRequest } from '../helpers/events'

const limits = { maxMessageBytes: 4096, maxFutureSkewMs: 60_000, maxPastAgeMs: 86_400_000 }
const now = Date.now()
const enc = (v: unknown) => Buffer.from(JSON.stringify(v))

describe('decodeEvent', () => {
  it('accepts a valid event and strips unknown fields such as prompt text', () => {
    const d = decodeEvent(enc({ ...llmRequest({ ts: now }), prompt: 'secret user text', response: 'model text' }), limits, now)
    expect(d.ok).toBe(true)
    if (d.ok) {
      expect(d.event).not.toHaveProperty('prompt')
      expect(d.event).not.toHaveProperty('response')
      expect(d.event.ts).toBe(now)
    }
  })
  it('accepts ISO timestamps and masks a full IP to its prefix', () => {
    const d = decodeEvent(enc(llmRequest({ ts: new Date(now).toISOString(), ip_prefix: '198.51.100.23' })), limits, now)
    expect(d.ok && d.event.type === 'llm_request' && d.event.ip_prefix).toBe('198.51.100.0/24')
  })
  it.each([
    ['empty', Buffer.alloc(0)],
    ['too_large', Buffer.alloc(5000, 'a')],
    ['invalid_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['invalid_json', Buffer.from('{not json')],
    ['unsupported_version', enc({ ...llmRequest(), schema_version: 2 })],
    ['schema', enc({ ...llmRequest(), prompt_tokens: -5 })],
    ['schema', enc({ ...llmRequest(), prompt_tokens: '12' })],
    ['schema', enc({ ...llmRequest(), install_id: 'x'.repeat(65) })],
    ['schema', enc({ ...llmRequest(), type: 'mystery' })],
    ['schema', enc({ ...llmRequest(), feature: undefined })],
    ['schema', enc([1, 2, 3])],
    ['timestamp_future', enc(llmRequest({ ts: now + 3_600_000 }))],
    ['timestamp_too_old', enc(llmRequest({ ts: now - 2 * 86_400_000 }))],
  ])('dead-letters %s input', (reason, raw) => {
    const d = decodeEvent(raw, limits, now)
    expect(d.ok).toBe(false)
    if (!d.ok) {
      expect(d.reason).toBe(reason)
      expect(d.error.length).toBeGreaterThan(0)
    }
  })

  it('says a ts in epoch seconds is seconds, and only then', () => {
    const seconds = decodeEvent(enc(llmRequest({ ts: Math.floor(now / 1000) })), limits, now)
    expect(seconds.ok || seconds.error).toMatch(/epoch seconds\? ts is epoch milliseconds/)
    const stale = decodeEvent(enc(llmRequest({ ts: now - 2 * 86_400_000 })), limits, now)
    expect(stale.ok || stale.error).not.toMatch(/epoch seconds/)
  })
  it('redacts text from dead-letter payloads', () => {
    const d = decodeEvent(enc({ ...llmRequest(), prompt_tokens: -1, prompt: 'tell me the secret plan' }), limits, now)
    expect(d.ok).toBe(false)
    if (!d.ok) {
      expect(d.payload).not.toContain('secret plan')
      expect(d.payload).toContain('[redacted')
    }
  })
  it('never throws on deeply nested or hostile JSON', () => {
    let deep: unknown = 1
    for (let i = 0; i < 500; i++) deep = { a: deep }
    const d = decodeEvent(enc(deep), { ...limits, maxMessageBytes: 1 << 20 }, now)
    expect(d.ok).toBe(false)
    expect(decodeEvent(Buffer.from('"__proto__"'), limits, now).ok).toBe(false)
  })
})

describe('the validation fast path', () => {
  const attestation = (id: string) => ({
    schema_version: 1,
    type: 'attestation',
    event_id: id,
    ts: now,
    tenant_id: 't',
    install_id: 'i-1',
    app_id: 'a',
    app_version: '1.0',
    platform: 'ios',
    verdict: 'accepted',
  })

  it('gives every event its own default arrays, so changing one event cannot change another', () => {
    const a = fastParseEvent(attestation('e-1'))
    const b = fastParseEvent(attestation('e-2'))
    if (a?.type !== 'attestation' || b?.type !== 'attestation') throw new Error('the fast path declined a plain attestation')
    expect(a.reasons).toEqual([])
    expect(a.reasons).not.toBe(b.reasons)
  })

  it('leaves absent optional fields out, as zod does, and fills the defaults zod fills', () => {
    const input = attestation('e-3')
    const fast = fastParseEvent(input)
    expect(fast).toBeDefined()
    expect(Object.hasOwn(fast!, 'feature')).toBe(false)
    expect(fast).toStrictEqual(gatewayEventSchema.parse(input))
  })

  it('hands anything unusual to zod instead of deciding itself', () => {
    expect(fastParseEvent({ ...attestation('e-4'), ts: new Date(now).toISOString() })).toBeUndefined()
    expect(fastParseEvent({ ...attestation('e-5'), verdict: 'maybe' })).toBeUndefined()
    expect(fastParseEvent({ ...attestation('e-6'), type: 'unknown' })).toBeUndefined()
    expect(fastParseEvent({ ...attestation('e-7'), install_id: undefined })).toBeUndefined()
    expect(fastParseEvent([attestation('e-8')])).toBeUndefined()
  })
})
