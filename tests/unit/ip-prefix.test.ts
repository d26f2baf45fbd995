import { describe, expect, it } from 'vitest'
import { toIpPrefix } from '../../lib/events/ip-prefix'

describe('toIpPrefix', () => {
  it('masks a full IPv4 address to /24', () => {
    expect(toIpPrefix('203.0.113.77')).toBe('203.0.113.0/24')
    expect(toIpPrefix('203.0.113.77/32')).toBe('203.0.113.0/24')
  })
  it('keeps shorter IPv4 prefixes and zeroes host bits', () => {
    expect(toIpPrefix('10.1.2.3/16')).toBe('10.1.0.0/16')
    expect(toIpPrefix('203.0.113.0/24')).toBe('203.0.113.0/24')
  })
  it('masks IPv6 to /48', () => {
    expect(toIpPrefix('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48')
    expect(toIpPrefix('2001:db8:1234:ffff:1:2:3:4/128')).toBe('2001:db8:1234::/48')
    expect(toIpPrefix('2001:db8:ab00::/40')).toBe('2001:db8:ab00::/40')
  })
  it('rejects what is not an address', () => {
    for (const bad of ['', 'hello', '300.1.1.1', '1.2.3', '1.2.3.4/33', '1.2.3.4/', '::1::2', '2001:db8::/129', '1.2.3.4/8/1']) {
      expect(toIpPrefix(bad), bad).toBeNull()
    }
  })
})
