import { readFileSync } from 'node:fs'
import { usd } from '../../lib/format'
import { expect, expected, shot, test, tile, windowQuery } from './fixtures'

test.describe('cost', () => {
  test('breakdown matches raw spend per feature; CSV export downloads the rows shown', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/cost?${windowQuery(e)}`)
    await expect(tile(page, 'cost-spend')).toHaveText(usd(e.spend))
    const table = page.getByTestId('cost-breakdown-table')
    const rows = table.locator('tbody tr')
    await expect(rows).toHaveCount(e.byFeature.length)
    for (let i = 0; i < e.byFeature.length; i++) {
      await expect(rows.nth(i).locator('td').nth(0)).toHaveText(e.byFeature[i].key)
      await expect(rows.nth(i).locator('td').nth(1)).toHaveText(usd(e.byFeature[i].cost_micros))
    }
    await shot(page, 'cost')

    const download = page.waitForEvent('download')
    await page.getByTestId('csv-export').click()
    const file = await (await download).path()
    const lines = readFileSync(file, 'utf8').trim().split(/\r\n/)
    expect(lines[0]).toBe('feature,cost_usd,requests,tokens,active_installs,cost_per_request_usd,cost_per_install_usd,share_of_spend,cost_per_1k_tokens_usd')
    const shown = await rows.locator('td:nth-child(1)').allTextContents()
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(shown)
    lines.slice(1).forEach((l, i) => {
      const [, cost, requests] = l.split(',')
      expect(Math.round(Number(cost) * 1e6)).toBe(e.byFeature[i].cost_micros)
      expect(Number(requests)).toBe(e.byFeature[i].requests)
    })
  })

  test('calls on a model without a price are named above the figures that leave them out', async ({ signedIn: page }) => {
    const e = expected()
    expect(e.unpriced.calls).toBeGreaterThan(0)
    await page.goto(`/cost?${windowQuery(e)}`)
    const notice = page.getByTestId('unpriced-models')
    await expect(notice).toContainText(`Spend leaves out ${e.unpriced.calls} calls`)
    await expect(notice).toContainText(`${e.unpriced.model} (${e.unpriced.calls} calls`)
  })

  test('grouping by model is in the URL and re-sorting hits the server', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/cost?${windowQuery(e)}`)
    await page.getByRole('group', { name: 'Group cost by' }).getByRole('button', { name: 'Model' }).click()
    await expect(page).toHaveURL(/by=model/)
    const first = page.getByTestId('cost-breakdown-table').locator('tbody tr').first().locator('td').first()
    await expect(first).not.toHaveText(e.byFeature[0].key)
    const sortedReq = page.waitForResponse((r) => r.url().includes('/api/cost/breakdown') && r.url().includes('sort=requests'))
    await page
      .getByTestId('cost-breakdown-table')
      .getByRole('button', { name: /Requests/ })
      .click()
    await sortedReq
    await expect(page).toHaveURL(/cbSort=requests/)
  })
})
