import { compact, count, usd } from '../../lib/format'
import { expect, expected, shot, test, tile, windowQuery } from './fixtures'

test.describe('live overview', () => {
  test('renders the numbers a direct query of the raw events gives', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/?${windowQuery(e)}`)
    await expect(tile(page, 'spend')).toHaveText(usd(e.spend))
    await expect(tile(page, 'requests')).toHaveText(count(e.requests))
    await expect(tile(page, 'tokens')).toHaveText(compact(e.tokens))
    await expect(page.locator('[data-panel="spend-chart"] .recharts-surface').first()).toBeVisible()
    await expect(page.getByTestId('top-spenders-table').locator('tbody tr').first()).toContainText(e.topInstall.install_id)
    await expect(page.getByTestId('top-spenders-table').locator('tbody tr').first()).toContainText(usd(e.topInstall.cost_micros))
    await shot(page, 'overview')
  })

  test('top spenders export: every install of the window as CSV, in the table order', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/?${windowQuery(e)}`)
    const href = await page.getByTestId('top-spenders-export').getAttribute('href')
    expect(href).toContain('/api/overview/top-spenders/export?')
    const res = await page.request.get(href!)
    expect(res.status()).toBe(200)
    expect(res.headers()['content-disposition']).toContain('burnrate-top-spenders-all-')
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines[0]).toBe('tenant,install_id,cost_usd,requests,tokens,streams,max_context_tokens,attestations_rejected,policy_denials')
    const rows = lines.slice(1).map((l) => l.split(','))
    expect(rows.length).toBeGreaterThan(10)
    expect(rows[0][1]).toBe(e.topInstall.install_id)
    expect(Math.round(Number(rows[0][2]) * 1e6)).toBe(e.topInstall.cost_micros)
    const costs = rows.map((r) => Number(r[2]))
    expect([...costs].sort((a, b) => b - a)).toEqual(costs)
  })

  test('time range and tenant filter change what is shown, and live in the URL', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/?${windowQuery(e)}`)
    await expect(tile(page, 'requests')).toHaveText(count(e.requests))
    // A narrower window: the last 15 minutes of the seeded data.
    await page.goto(`/?${windowQuery(e, e.subFrom)}`)
    await expect(tile(page, 'requests')).toHaveText(count(e.subRequests))
    // Tenant filter (select) writes the URL and narrows spend.
    await page.getByLabel('Tenant filter').selectOption(e.tenant)
    await expect(page).toHaveURL(new RegExp(`tenant=${e.tenant}`))
    await page.goto(`/?${windowQuery(e)}&tenant=${e.tenant}`)
    await expect(tile(page, 'spend')).toHaveText(usd(e.tenantSpend))
    await expect(page.getByTestId('window-label')).toContainText(e.tenant)
    // Presets: clicking 15m writes range=15m and the view goes live.
    await page.getByRole('button', { name: '15m' }).click()
    await expect(page).toHaveURL(/range=15m/)
    await expect(page.getByRole('button', { name: /Live/ })).toBeVisible()
    await page.getByRole('button', { name: /Live/ }).click()
    await expect(page).toHaveURL(/live=0/)
    await expect(page.getByRole('button', { name: /Paused/ })).toBeVisible()
  })

  test('light theme', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/?${windowQuery(e)}`)
    await page.getByRole('button', { name: /Switch to light theme/ }).click()
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
    await expect(tile(page, 'spend')).toHaveText(usd(e.spend))
    await shot(page, 'overview-light')
  })
})
