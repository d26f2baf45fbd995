import { count, usd } from '../../lib/format'
import { expect, expected, shot, test, tile, windowQuery } from './fixtures'

test.describe('drill-downs and detector pages', () => {
  test('install drill-down shows the install\'s spend in the window', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/installs/${e.topInstall.install_id}?${windowQuery(e)}`)
    await expect(tile(page, 'install-spend')).toHaveText(usd(e.topInstall.cost_micros))
    await expect(tile(page, 'install-requests')).toHaveText(count(e.topInstall.requests))
    await expect(page.getByTestId('install-profile')).toContainText(e.topInstall.tenant_id)
    await expect(page.getByTestId('install-events-table').locator('tbody tr').first()).toBeVisible()
    await shot(page, 'install')
  })

  test('prompt-bombing: ranking, and the histogram counts every request', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/prompt-bombing?${windowQuery(e)}`)
    await expect(page.locator('[data-tile="outlier-requests"] .hint')).toContainText(`of ${count(e.llmRequests)}`)
    await expect(page.getByTestId('bombing-table').locator('tbody tr').first()).toBeVisible()
    await expect(page.locator('[data-panel="prompt-sizes"] .recharts-bar-rectangle').first()).toBeVisible()
    await shot(page, 'prompt-bombing')
  })

  test('emulator farms: the seeded farm shows up as a cluster with members', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/farms?${windowQuery(e)}`)
    await expect(page.getByTestId('cluster-list').getByRole('option').first()).toBeVisible()
    await expect(page.getByTestId('farm-members').locator('tbody tr').first()).toBeVisible()
    await shot(page, 'farms')
  })

  test('ingest health: live throughput and the seeded dead letters', async ({ signedIn: page }) => {
    await page.goto('/ingest?range=1h')
    await expect(tile(page, 'eps')).not.toHaveText('0', { timeout: 60_000 })
    const e = expected()
    await expect(page.locator('[data-panel="dead-letters"] .sub')).toHaveText(`${count(e.deadLetters)} in range`)
    await expect(page.getByTestId('dead-letters-table').locator('tbody tr').first()).toContainText('bogus')
    await shot(page, 'ingest')
  })
})
