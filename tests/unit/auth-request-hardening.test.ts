import { describe, expect, it } from 'vitest'
import { requestOrigin, sameOriginRequest } from '../../lib/auth/public-route'
import { getPrincipal, readCookie } from '../../lib/auth/session'
import { route } from '../../lib/runtime/route'
import { toCsv } from '../../lib/dashboard/csv'

process.env.SESSION_SECRET ??= 'test-session-secret-0123456789abcdef0123456789'

describe('malformed session cookie (F4)', () => {
  it('a cookie value that is not valid percent-encoding reads as no cookie', async () => {
    expect(readCookie('br_session=%', 'br_session')).toBeNull()
    expect(readCookie('a=%E0%A4%A; br_session=%zz', 'br_session')).toBeNull()
    expect(readCookie('br_session=a%20b', 'br_session')).toBe('a b')
    await expect(getPrincipal(new Request('http://localhost/api/x', { headers: { cookie: 'br_session=%' } }))).resolves.toBeNull()
  })

  it('an API route answers 401, not 500', async () => {
    const GET = route({ role: 'viewer' }, async () => ({ ok: true }))
    const res = await GET(new Request('http://localhost/api/x', { headers: { cookie: 'br_session=%' } }))
    expect(res.status).toBe(401)
  })
})

describe('Origin check (F9)', () => {
  const post = (origin: string, headers: Record<string, string> = {}) =>
    new Request('http://app.example/api/x', { method: 'POST', headers: { origin, host: 'app.example', ...headers } })

  it('compares scheme, host and port, not the host alone', () => {
    const https = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' }
    expect(sameOriginRequest(post('https://app.example', https))).toBe(true)
    expect(sameOriginRequest(post('http://app.example', https))).toBe(false)
    expect(sameOriginRequest(post('https://app.example:8443', https))).toBe(false)
    expect(sameOriginRequest(post('http://app.example'))).toBe(true)
    expect(sameOriginRequest(post('https://app.example'))).toBe(false)
    expect(sameOriginRequest(post('http://evil.example'))).toBe(false)
    expect(sameOriginRequest(post('null'))).toBe(false)
  })

  it('PUBLIC_URL, when set, is the only origin accepted', () => {
    const req = post('http://app.example')
    expect(requestOrigin(req, 'https://app.example/')).toBe('https://app.example')
    process.env.PUBLIC_URL = 'https://app.example'
    try {
      expect(sameOriginRequest(post('http://app.example'))).toBe(false)
      expect(sameOriginRequest(post('https://app.example'))).toBe(true)
    } finally {
      delete process.env.PUBLIC_URL
    }
  })
})

describe('CSV formula guard (F12)', () => {
  it('neutralises a formula behind a leading TAB or CR as well as =, +, - and @', () => {
    const csv = toCsv(['v'], [['\t=HYPERLINK("http://x.test")'], ['\r=1+1'], ['=1+1'], ['@SUM(A1)'], ['plain'], [-5]])
    const cells = csv.split('\r\n').slice(1, -1)
    expect(cells[0]).toBe(`"'\t=HYPERLINK(""http://x.test"")"`)
    expect(csv).toContain(`"'\r=1+1"`)
    expect(csv).toContain(`'=1+1`)
    expect(csv).toContain(`'@SUM(A1)`)
    expect(csv).toContain('\r\nplain\r\n')
    // Numbers are data, not text a spreadsheet would run.
    expect(csv).toContain('\r\n-5\r\n')
  })
})
