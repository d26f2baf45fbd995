import { expect, shot, test } from './fixtures'

test.describe('alerts', () => {
  test('an open alert can be acknowledged from the inbox', async ({ signedIn: page }) => {
    test.setTimeout(240_000)
    // Detectors run every 15 s in the e2e server; wait for the seeded attacks to raise alerts.
    await expect.poll(async () => {
      const res = await page.request.get('/api/alerts?state=open&limit=1')
      return res.ok() ? ((await res.json()) as { total: number }).total : 0
    }, { timeout: 180_000, intervals: [5_000] }).toBeGreaterThan(0)
    await page.goto('/alerts?range=24h')
    const first = page.getByTestId('alert-list').getByRole('option').first()
    await first.click()
    await expect(page).toHaveURL(/alert=/)
    const id = new URL(page.url()).searchParams.get('alert')!
    const detail = page.locator('[data-panel="alert-detail"]')
    await expect(detail.locator('.badge.open')).toBeVisible()
    await shot(page, 'alerts')
    await detail.getByRole('button', { name: 'Acknowledge' }).click()
    await expect(detail.locator('.badge.acknowledged')).toBeVisible()
    await expect(page.getByTestId('alert-history')).toContainText('acknowledge')
    const res = await page.request.get(`/api/alerts/${id}`)
    expect(((await res.json()) as { alert: { state: string; acknowledged_by: string } }).alert).toMatchObject({ state: 'acknowledged', acknowledged_by: 'admin' })
    // The evidence panel renders for the alert.
    await expect(page.locator('[data-panel="alert-evidence"]')).toBeVisible()
    await shot(page, 'alerts-acknowledged')
  })
})
