import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import { decodeEvent } from '../../lib/events/decode'
import { maskLabelAddresses } from '../../lib/events/label-addresses'
import { gatewayEventSchema } from '../../lib/events/schema'
import { fastParseEvent } from '../../lib/events/fast-parse'
import { toRow } from '../../lib/ingest/rows'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { llmRequest } from '../helpers/events'

const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 }
const at = { topic: 't', partition: 0, offset: 0, key: null, value: null }

/** Labels as a careless gateway might fill them, and what must be stored. */
const LEAKY: [string, string][] = [
  ['203.0.113.79', '203.0.113.0/24'],
  ['gw 198.51.100.7:443', 'gw 198.51.100.0/24:443'],
  ['10.1.2.3/32', '10.1.2.0/24'],
  ['2001:db8:1234:5678::9', '2001:db8:1234::/48'],
  ['proxy [2001:db8:aa:bb::1]', 'proxy [2001:db8:aa::/48]'],
  ['::ffff:192.0.2.33', '::ffff:192.0.2.0/24'],
]
const PLAIN = ['3.2.0', 'Pixel 8 Pro', '17.4.1', '1.2.3.400', '1.2.3.4.5', 'build 10:00:00', 'SM-G991B', 'iPhone15,2', 'a:b', '东京 1.0']

describe('maskLabelAddresses', () => {
  it.each(LEAKY)('stores %j as %j', (label, stored) => {
    expect(maskLabelAddresses(label)).toBe(stored)
  })
  it('leaves labels that hold no address as sent', () => {
    for (const label of PLAIN) expect(maskLabelAddresses(label)).toBe(label)
  })
})

describe('labels holding an IP address (security finding F8)', () => {
  const leaky = { app_version: '203.0.113.79', device_model: 'router 2001:db8:1234:5678::9', os_version: '::ffff:198.51.100.7' }
  const masked = { app_version: '203.0.113.0/24', device_model: 'router 2001:db8:1234::/48', os_version: '::ffff:198.51.100.0/24' }

  it.each([
    ['fast path (epoch ts)', Date.now()],
    ['zod (ISO ts)', new Date().toISOString()],
  ] as const)('are stored as prefixes through the %s', (_path, ts) => {
    const decoded = decodeEvent(Buffer.from(JSON.stringify(llmRequest({ ...leaky, ts }))), limits, Date.now())
    expect(decoded.ok).toBe(true)
    if (!decoded.ok) return
    const row = toRow(decoded.event, at, defaultPriceBook)
    expect({ app_version: row.app_version, device_model: row.device_model, os_version: row.os_version }).toEqual(masked)
    expect(JSON.stringify(row)).not.toMatch(/203\.0\.113\.79|5678::9|198\.51\.100\.7\b/)
  })

  it('are masked in dead letters too', () => {
    const decoded = decodeEvent(Buffer.from(JSON.stringify(llmRequest({ ...leaky, prompt_tokens: -1 }))), limits, Date.now())
    expect(decoded.ok).toBe(false)
    if (decoded.ok) return
    expect(decoded.payload).toContain('"app_version":"203.0.113.0/24"')
    expect(decoded.payload).not.toMatch(/203\.0\.113\.79|5678::9|198\.51\.100\.7\b/)
  })
})

describe('fast path and zod', () => {
  const stamp = Date.UTC(2026, 10, 21, 10, 1, 30)
  const progress = {
    schema_version: 1,
    type: 'stream_progress',
    event_id: 'p-1',
    ts: stamp,
    tenant_id: 'acme',
    install_id: 'i-1',
    app_id: 'com.acme',
    app_version: '3.1.4',
    platform: 'ios',
    feature: 'chat',
    model: 'gpt-4o-mini',
    prompt_tokens: 950,
    completion_tokens: 35,
    context_tokens: 950,
    prompt_bytes: 3800,
    stream_id: 's-91',
    transport: 'websocket',
    duration_ms: 90_000,
  }

  it('build the same stream_progress event, without cost or end reason even when sent', () => {
    const sent = { ...progress, cost_micros: 123, end_reason: 'completed', ttft_ms: 650 }
    const fast = fastParseEvent(sent)
    const zod = gatewayEventSchema.parse(sent)
    expect(fast).toBeDefined()
    expect(isDeepStrictEqual(fast, zod)).toBe(true)
    expect(zod).not.toHaveProperty('cost_micros')
    expect(zod).not.toHaveProperty('end_reason')
    const row = toRow(zod, at, defaultPriceBook)
    expect({ cost: row.cost_micros, source: row.cost_source }).toEqual({ cost: 0, source: 'none' })
  })

  it('agree on every damaged stream_progress and label: the fast path never accepts what zod rejects', () => {
    const values: unknown[] = [undefined, null, -1, 0, 1.5, '', 'x', 'x'.repeat(100), 'sse', 86_400_001, ...LEAKY.map((l) => l[0]), ...PLAIN]
    let fastHits = 0
    const bases = [progress, llmRequest({ ts: stamp, event_id: 'r-1' }) as Record<string, unknown>]
    for (const base of bases) {
      for (const key of Object.keys(base)) {
        for (const value of values) {
          const event: Record<string, unknown> = { ...base, [key]: value }
          if (value === undefined) delete event[key]
          const fast = fastParseEvent(event)
          const zod = gatewayEventSchema.safeParse(event)
          if (!fast) continue
          fastHits++
          expect(zod.success, `${key} = ${JSON.stringify(value)}`).toBe(true)
          expect(isDeepStrictEqual(fast, zod.data), `${key} = ${JSON.stringify(value)}`).toBe(true)
        }
      }
    }
    expect(fastHits).toBeGreaterThan(100)
  })
})
