import { usd } from '../../lib/format'
import { expect, expected, shot, test, tile } from './fixtures'

/** Dollars in a tile's text ("$1,234.56", "$12.3k", "$1.20M"), as micro-dollars. */
function micros(text: string): number {
  const m = /\$([\d,.]+)([kM]?)/.exec(text)
  if (!m) return NaN
  const scale = m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1
  return Number(m[1].replace(/,/g, '')) * scale * 1e6
}

test.describe('cost over a month', () => {
  test('the 30-day view shows the seeded month, with a forecast and its band', async ({ signedIn: page }) => {
    const e = expected()
    // The e2e run seeds a month (SEED_HISTORY_DAYS defaults to 30): without it this view has nothing to show.
    expect(e.history, 'tests/e2e/seed.ts seeded no month (SEED_HISTORY_DAYS=0?)').toBeTruthy()
    await page.goto('/cost?range=30d')
    await expect(tile(page, 'cost-spend')).not.toHaveText('')
    // The month holds ~30 days of the simulator's traffic; the e2e window holds 45 minutes of it.
    await expect.poll(async () => micros(await tile(page, 'cost-spend').innerText())).toBeGreaterThan(100 * e.spend)
    await expect(page.getByTestId('forecast-text')).toContainText('Month-end forecast')
    await expect(page.getByTestId('forecast-text')).toContainText('P10–P90')
    await expect(page.getByTestId('budget-chart')).toBeVisible()
    await expect(page.getByTestId('cost-breakdown-table').locator('tbody tr').first()).toBeVisible()
    await shot(page, 'cost-30d')
  })

  test('a finance user sets, edits and removes a budget; each change is audited and a crossing raises an alert', async ({ signedIn: page }) => {
    test.setTimeout(240_000)
    const e = expected()
    await page.goto('/cost')
    const editor = page.getByTestId('budget-editor')
    await editor.getByTestId('budget-add').click()
    const form = editor.getByTestId('budget-form')
    await form.locator('select[name=tenant]').selectOption(e.tenant)
    await form.locator('input[name=dollars]').fill('1')
    await form.locator('input[name=thresholds]').fill('50, 80, 100')
    await form.getByRole('button', { name: 'Save budget' }).click()
    const row = editor.getByTestId('budget-row').filter({ hasText: e.tenant })
    await expect(row).toContainText(usd(1_000_000))
    await expect(row).toContainText('50, 80, 100%')

    await row.getByRole('button', { name: 'Edit' }).click()
    await form.locator('input[name=dollars]').fill('250000')
    await form.getByRole('button', { name: 'Save budget' }).click()
    await expect(row).toContainText(usd(250_000_000_000))
    await shot(page, 'cost-budget')

    const audit = (await (await page.request.get('/api/audit?action=budget.set')).json()) as {
      entries: { subject: string; before: { monthly_micros: number } | null; after: { monthly_micros: number } }[]
    }
    const mine = audit.entries.filter((x) => x.subject === e.tenant)
    expect(mine.map((x) => x.after.monthly_micros).sort((a, b) => a - b)).toEqual([1_000_000, 250_000_000_000])
    expect(mine.find((x) => x.after.monthly_micros === 250_000_000_000)!.before).toMatchObject({ monthly_micros: 1_000_000 })

    // Set it low again: month-to-date spend is far over $1, so the cost detector (every 15 s here) opens a budget alert.
    await row.getByRole('button', { name: 'Edit' }).click()
    await form.locator('input[name=dollars]').fill('1')
    await form.getByRole('button', { name: 'Save budget' }).click()
    await expect(row).toContainText(usd(1_000_000))
    await expect
      .poll(
        async () => {
          const res = await page.request.get(`/api/alerts?detector=cost_anomalies&subject=${encodeURIComponent(`budget:${e.tenant}`)}`)
          return res.ok() ? ((await res.json()) as { total: number }).total : 0
        },
        { timeout: 120_000, intervals: [5_000] },
      )
      .toBeGreaterThan(0)

    await row.getByRole('button', { name: 'Remove' }).click()
    await expect(row).toHaveCount(0)
  })
})
