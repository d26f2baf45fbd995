import { expect, test } from './fixtures'

// Issue 18, F10: every page and API answer carries the anti-framing and CSP headers, and the CSP does not break the app.
test('pages and API answers carry the security headers; pages render under the CSP without violations', async ({ signedIn: page }) => {
  const violations: string[] = []
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()) })
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
