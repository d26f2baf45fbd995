import { expect, test } from './fixtures'

// Issue 18, F10: every page and API answer carries the anti-framing and CSP headers, and the CSP does not break the app.
test('pages and API answers carry the security headers; pages render under the CSP without violations', async ({ signedIn: page }) => {
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
  })
  for (const path of ['/signin', '/', '/cost']) {
    const res = await page.request.get(path)
    const h = res.headers()
    expect(h['content-security-policy'], path).toContain("frame-ancestors 'none'")
    expect(h['content-security-policy'], path).toContain("default-src 'self'")
    expect(h['x-frame-options'], path).toBe('DENY')
    expect(h['referrer-policy'], path).toBe('no-referrer')
    expect(h['x-content-type-options'], path).toBe('nosniff')
  }
  expect((await page.request.get('/api/auth/me')).headers()['x-frame-options']).toBe('DENY')
  await page.goto('/')
  await expect(page.getByTestId('nav-user')).toContainText('admin')
  await page.goto('/cost')
  await expect(page.getByTestId('nav-user')).toBeVisible()
  expect(violations).toEqual([])
})

// The socket address reaches route handlers under `next start` (instrumentation installs the
// stamp), so with TRUSTED_PROXY_HOPS=0 the audit log records the peer's prefix, not 'unknown',
// and a forged header changes nothing.
test('sign-ins are attributed to the TCP peer, whatever X-Forwarded-For says', async ({ signedIn: page }) => {
  const res = await page.request.post('/api/auth/signin', {
    data: { username: 'no-such-user-e2e', password: 'wrong-password' },
    headers: { 'x-forwarded-for': '203.0.113.50', 'x-burnrate-peer': '198.51.100.7' },
  })
  expect(res.status()).toBe(401)
  const audit = (await (await page.request.get('/api/audit?action=auth.signin_failed&limit=5')).json()) as { entries: { actor: string; ipPrefix: string }[] }
  const mine = audit.entries.find((e) => e.actor === 'no-such-user-e2e')
  expect(mine?.ipPrefix).toMatch(/^127\.0\.0\.0\/24$|^::\/48$/)
})
