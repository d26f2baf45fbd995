import { describe, expect, it } from 'vitest'
import { clientIpPrefix } from '../../lib/audit/record'
import { configSchema } from '../../lib/config'

const h = (xff?: string, extra: Record<string, string> = {}) => new Headers({ ...(xff === undefined ? {} : { 'x-forwarded-for': xff }), ...extra })

describe('audit client address', () => {
  it('ignores X-Forwarded-For and X-Real-IP with no trusted proxy (the default)', () => {
    expect(configSchema.parse({}).TRUSTED_PROXY_HOPS).toBe(0)
    expect(clientIpPrefix(h('203.0.113.9', { 'x-real-ip': '198.51.100.1' }), 0)).toBe('unknown')
  })

  it('takes the Nth entry from the right, never what the client put left of it', () => {
    const forged = '6.6.6.6, 198.51.100.23, 10.0.0.5'
    expect(clientIpPrefix(h(forged), 1)).toBe('10.0.0.0/24')
    expect(clientIpPrefix(h(forged), 2)).toBe('198.51.100.0/24')
    expect(clientIpPrefix(h('2001:db8:1234:5678::1'), 1)).toBe('2001:db8:1234::/48')
  })

  it('stores only a prefix, and unknown when the chain is short or not an address', () => {
    expect(clientIpPrefix(h('203.0.113.77:51234'), 1)).toBe('203.0.113.0/24')
    expect(clientIpPrefix(h('[2001:db8:1:2::9]:443'), 1)).toBe('2001:db8:1::/48')
    expect(clientIpPrefix(h('203.0.113.77'), 2)).toBe('unknown')
    expect(clientIpPrefix(h(), 1)).toBe('unknown')
    expect(clientIpPrefix(h('evil, not-an-ip'), 1)).toBe('unknown')
  })

  it('rejects a negative or absurd hop count at startup', () => {
    expect(configSchema.safeParse({ TRUSTED_PROXY_HOPS: '-1' }).success).toBe(false)
    expect(configSchema.safeParse({ TRUSTED_PROXY_HOPS: 'two' }).success).toBe(false)
    expect(configSchema.parse({ TRUSTED_PROXY_HOPS: '2' }).TRUSTED_PROXY_HOPS).toBe(2)
  })
})
