import { describe, expect, it } from 'vitest'
import { decodeEvent } from '../../lib/events/decode'
import { toIpPrefix } from '../../lib/events/ip-prefix'
import { describeBytes, maskAddresses, redactPayload } from '../../lib/events/redact'
import { llmRequest } from '../helpers/events'

const limits = { maxMessageBytes: 4096, maxFutureSkewMs: 60_000, maxPastAgeMs: 86_400_000 }
const now = Date.now()
const enc = (v: unknown) => Buffer.from(JSON.stringify(v))

/** Everything a dead letter stores about a message: its payload and its error. */
function stored(raw: Buffer): string {
  const d = decodeEvent(raw, limits, now)
  if (d.ok) throw new Error('expected a dead letter')
  return `${d.payload}\n${d.error}`
}

describe('dead letters keep no text and no full address', () => {
  it('redacts short text under any key the contract does not define', () => {
    const text = stored(enc({ ...llmRequest(), prompt_tokens: -1, user_prompt: 'hi there', msg: 'ok', nested: { deep: ['a secret'] } }))
    for (const word of ['hi there', '"ok"', 'a secret']) expect(text).not.toContain(word)
    expect(text).toContain('[redacted 8 bytes]')
  })
  it('replaces keys that are themselves text', () => {
    const text = stored(enc({ ...llmRequest(), prompt_tokens: -1, 'what is my bank password?': 1 }))
    expect(text).not.toContain('bank password')
    expect(text).toContain('[key 25 bytes]')
  })
  it('cuts a full address in ip_prefix, IPv4-mapped or not, to the stored prefix', () => {
    for (const ip of ['203.0.113.57', '::ffff:203.0.113.57', '2001:db8:1234:5678::9']) {
      const text = stored(enc({ ...llmRequest(), prompt_tokens: -1, ip_prefix: ip }))
      expect(text).not.toContain(ip)
      expect(text).toContain(toIpPrefix(ip)!)
    }
  })
  it('masks an address wherever it appears, even in an invalid value', () => {
    const text = stored(enc({ ...llmRequest(), prompt_tokens: -1, install_id: '203.0.113.57', ip_prefix: '203.0.113.999' }))
    expect(text).not.toMatch(/203\.0\.113\.(57|999)/)
  })
  it('keeps the contract fields an operator needs to see what went wrong', () => {
    const payload = JSON.parse(stored(enc({ ...llmRequest({ event_id: 'e-42' }), prompt_tokens: -1 })).split('\n')[0])
    expect(payload).toMatchObject({ event_id: 'e-42', prompt_tokens: -1, type: 'llm_request', app_version: expect.any(String) })
  })
  it('keeps no byte of a message that is not JSON, only its size, hash and masked shape', () => {
    for (const raw of [Buffer.from('tell me the secret plan, ip 198.51.100.7'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.alloc(5000, 'secret ')]) {
      const text = stored(raw)
      expect(text).not.toMatch(/secret|plan|198\.51/)
      expect(text).toContain(`[${raw.length} bytes, sha256 `)
    }
    expect(describeBytes(Buffer.from('{"prompt":"Hi 42"}'))).toContain('shape "{\\"aaaaaa\\":\\"aa 00\\"}"')
  })
  it('drops the input V8 quotes in a JSON syntax error', () => {
    const text = stored(Buffer.from('hello world, this is not json'))
    expect(text).not.toContain('hello')
    expect(text).toMatch(/not valid JSON/)
  })
  it('quotes an unsupported schema_version only by its kind', () => {
    expect(stored(enc({ ...llmRequest(), schema_version: 'please summarise my diary' }))).not.toContain('diary')
    expect(stored(enc({ ...llmRequest(), schema_version: 2 }))).toContain('schema_version 2 is not supported')
  })
})

describe('maskAddresses', () => {
  it('masks addresses but leaves clock times and versions in text alone', () => {
    expect(maskAddresses('from 203.0.113.57 at 10:00:00')).toBe('from 203.0.113.0/24 at 10:00:00')
    expect(maskAddresses('via 2001:db8:1234:5678::9 ok')).toBe('via 2001:db8:1234::/48 ok')
    expect(maskAddresses('odd 2001:db8:1:2:3:4:5 x')).toBe('odd [address] x')
  })
  it('knows every number field of the contract', () => {
    const text = stored(enc({ ...llmRequest(), prompt_tokens: 'ignore previous instructions', asn: 'x y' }))
    expect(text).not.toMatch(/ignore previous|x y/)
  })
  it('leaves a payload that fits the contract readable', () => {
    expect(redactPayload(Buffer.alloc(0), { app_version: '1.2.3', feature: 'chat' })).toBe('{"app_version":"1.2.3","feature":"chat"}')
    // A dotted version that cannot be an address is shown as sent; one that can is masked like an address (F8).
    expect(redactPayload(Buffer.alloc(0), { app_version: '1.2.3.400' })).toBe('{"app_version":"1.2.3.400"}')
    expect(redactPayload(Buffer.alloc(0), { app_version: '203.0.113.79', os_version: '10.0.0.1' })).toBe(
      '{"app_version":"203.0.113.0/24","os_version":"10.0.0.0/24"}',
    )
  })
})
