import { describe, expect, it } from 'vitest'
import { insideNetwork, matchingSource } from '../../lib/test-sources/match'
import { declaredNetwork, testSourceInput } from '../../lib/test-sources/store'
import type { TestSource } from '../../lib/test-sources/types'

const source = (kind: TestSource['kind'], value: string): TestSource => ({
  tenant_id: 'acme',
  kind,
  value,
  note: 'QA',
  expires_at: Date.now() + 86_400_000,
  updated_at: Date.now(),
  updated_by: 'admin',
})
const install = { app_id: 'com.acme.app', app_version: '4.12.0', device_fingerprint: 'a1b2c3d4e5f60718', ip_prefix: '198.51.100.0/24' }

describe('declared networks', () => {
  it('are cut to what events store, and refused wider than /16 (IPv6 /32) or as "not known"', () => {
    expect(declaredNetwork('198.51.100.77')).toBe('198.51.100.0/24')
    expect(declaredNetwork('198.51.100.64/26')).toBe('198.51.100.0/24')
    expect(declaredNetwork('198.51.0.0/16')).toBe('198.51.0.0/16')
    expect(declaredNetwork('198.0.0.0/15')).toEqual({ error: 'a network may be at most /16 wide' })
    expect(declaredNetwork('2001:db8:1:2::1')).toBe('2001:db8:1::/48')
    expect(declaredNetwork('2001:db8::/31')).toEqual({ error: 'a network may be at most /32 wide' })
    expect(declaredNetwork('0.0.0.0')).toEqual({ error: 'that prefix stands for "network not known"' })
    expect(declaredNetwork('lab.example.com')).toEqual({ error: 'not an IP address or prefix' })
  })

  it('hold an install whose /24 lies inside them, and no other', () => {
    expect(insideNetwork('198.51.100.0/24', '198.51.100.0/24')).toBe(true)
    expect(insideNetwork('198.51.100.0/24', '198.51.0.0/16')).toBe(true)
    expect(insideNetwork('198.52.100.0/24', '198.51.0.0/16')).toBe(false)
    expect(insideNetwork('2001:db8:1::/48', '2001:db8::/32')).toBe(true)
    expect(insideNetwork('198.51.100.0/24', '2001:db8::/32')).toBe(false)
  })
})

describe('matching an install', () => {
  it('by network, bundle id, version or fingerprint', () => {
    expect(matchingSource([source('network', '198.51.0.0/16')], install)?.kind).toBe('network')
    expect(matchingSource([source('app_id', 'com.acme.app')], install)?.kind).toBe('app_id')
    expect(matchingSource([source('app_version', '4.12.0')], install)?.kind).toBe('app_version')
    expect(matchingSource([source('device_fingerprint', 'A1B2C3D4E5F60718')], install)?.kind).toBe('device_fingerprint')
    expect(matchingSource([source('app_version', '4.12.0-rc.1'), source('network', '203.0.113.0/24')], install)).toBeUndefined()
  })
})

describe('the declaration a client sends', () => {
  const body = { tenant_id: 'acme', kind: 'app_version', value: '4.12.0-rc.1', note: 'release candidate', days: 3 }
  it('is checked per kind as the event contract checks that field', () => {
    expect(testSourceInput.parse(body).value).toBe('4.12.0-rc.1')
    expect(testSourceInput.safeParse({ ...body, kind: 'device_fingerprint', value: 'not-hex' }).success).toBe(false)
    expect(testSourceInput.safeParse({ ...body, kind: 'app_id', value: 'com.acme app' }).success).toBe(false)
    expect(testSourceInput.safeParse({ ...body, days: 0 }).success).toBe(false)
    expect(testSourceInput.safeParse({ ...body, note: 'x' }).success).toBe(false)
    expect(testSourceInput.safeParse({ ...body, tenant_id: 'acme;drop' }).success).toBe(false)
  })
})
