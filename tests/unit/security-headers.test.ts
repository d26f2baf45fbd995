import { describe, expect, it } from 'vitest'
import nextConfig, { securityHeaders } from '../../next.config'

describe('security headers (F10)', () => {
  it('apply to every path: CSP with frame-ancestors none, X-Frame-Options, Referrer-Policy, nosniff', async () => {
    const rules = await nextConfig.headers!()
    const all = rules.find((r) => r.source === '/:path*')
    expect(all).toBeDefined()
    const h = Object.fromEntries(all!.headers.map((x) => [x.key.toLowerCase(), x.value]))
    expect(h['content-security-policy']).toMatch(/frame-ancestors 'none'/)
    expect(h['content-security-policy']).toMatch(/default-src 'self'/)
    expect(h['content-security-policy']).toMatch(/object-src 'none'/)
    expect(h['x-frame-options']).toBe('DENY')
    expect(h['referrer-policy']).toBe('no-referrer')
    expect(h['x-content-type-options']).toBe('nosniff')
  })

  it('allows eval only in development, and no remote origins anywhere', () => {
    const csp = (dev: boolean) => securityHeaders(dev).find((x) => x.key === 'Content-Security-Policy')!.value
    expect(csp(false)).not.toContain('unsafe-eval')
    expect(csp(true)).toContain('unsafe-eval')
    expect(csp(false)).not.toMatch(/https?:|\*/)
  })
})
