import type { Page, Response } from '@playwright/test'
import type { AlertListResponse } from '../../lib/alerts/types'
import type { DetectorRanking, FarmMembersPage } from '../../lib/detection/types'
import { count, usd } from '../../lib/format'
import { expect, expected, shot, test, tile, windowQuery } from './fixtures'

/** The next response of an API path whose query string has all of `params`. */
function apiResponse(page: Page, path: string, params: Record<string, string>): Promise<Response> {
  return page.waitForResponse((r) => {
    const url = new URL(r.url())
    return url.pathname.startsWith(path) && Object.entries(params).every(([k, v]) => url.searchParams.get(k) === v)
  })
}

test.describe('drill-downs and detector pages', () => {
  test("install drill-down shows the install's spend in the window", async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/installs/${e.topInstall.install_id}?${windowQuery(e)}`)
    await expect(tile(page, 'install-spend')).toHaveText(usd(e.topInstall.cost_micros))
    await expect(tile(page, 'install-requests')).toHaveText(count(e.topInstall.requests))
    await expect(page.getByTestId('install-profile')).toContainText(e.topInstall.tenant_id)
    await expect(page.getByTestId('install-events-table').locator('tbody tr').first()).toBeVisible()
    // Alerts about the install are filtered by the server: every row listed is about this subject.
    const res = await page.request.get(`/api/alerts?subject=${encodeURIComponent(e.topInstall.install_id)}`)
    expect(res.status()).toBe(200)
    const alerts = (await res.json()) as AlertListResponse
    expect(alerts.alerts.every((a) => a.subject === e.topInstall.install_id)).toBe(true)
    const listed = page.getByTestId('subject-alerts').getByRole('listitem')
    if (alerts.total > 0) await expect(listed).toHaveCount(Math.min(8, alerts.alerts.length))
    else await expect(page.locator('[data-panel="subject-alerts"]')).toContainText('No alerts about this subject')
    expect((await page.request.get(`/api/alerts?subject=${'x'.repeat(201)}`)).status()).toBe(400)
    await shot(page, 'install')
  })

  test('prompt-bombing: the server sorts and pages the ranking', async ({ signedIn: page }) => {
    const e = expected()
    // Detectors read whole minutes up to and including the one at `to`: end a minute early so live traffic after the seed stays out.
    await page.goto(`/prompt-bombing?range=custom&from=${e.from}&to=${e.to - 60_000}`)
    const panel = page.locator('[data-panel="bombing-ranking"]')
    const rows = page.getByTestId('bombing-table').locator('tbody tr')
    const spend = (i: number) => rows.nth(i).locator('td').nth(7)
    await expect(rows.first()).toBeVisible()
    const sorted = apiResponse(page, '/api/detectors/prompt_bombing', { sort: 'cost_micros', dir: 'desc', offset: '0' })
    await panel.getByRole('button', { name: /^Spend/ }).click()
    const first = (await (await sorted).json()) as DetectorRanking<'prompt_bombing'>
    await expect(page).toHaveURL(/pbSort=cost_micros/)
    // The first row is the direct query's biggest spender, wherever it ranks by score.
    expect(first.rows[0]).toMatchObject({
      install_id: e.bombingTopSpend.install_id,
      feature: e.bombingTopSpend.feature,
      cost_micros: e.bombingTopSpend.cost_micros,
    })
    await expect(rows.first()).toContainText(e.bombingTopSpend.install_id)
    await expect(spend(0)).toHaveText(usd(e.bombingTopSpend.cost_micros))
    expect(first.total).toBeGreaterThan(first.limit)
    await expect(page.getByTestId('bombing-table-total')).toHaveText(`1–${first.limit} of ${count(first.total)}`)
    const next = apiResponse(page, '/api/detectors/prompt_bombing', { sort: 'cost_micros', offset: String(first.limit) })
    await panel.getByRole('button', { name: 'Next page' }).click()
    const second = (await (await next).json()) as DetectorRanking<'prompt_bombing'>
    await expect(page).toHaveURL(/pbPage=1/)
    await expect(page.getByTestId('bombing-table-total')).toHaveText(`${first.limit + 1}–${Math.min(first.total, 2 * first.limit)} of ${count(first.total)}`)
    expect(second.rows[0].cost_micros).toBeLessThanOrEqual(first.rows[first.rows.length - 1].cost_micros)
    await expect(spend(0)).toHaveText(usd(second.rows[0].cost_micros))
    await expect(rows.first()).toContainText(second.rows[0].install_id)
    // Bad page parameters are refused with a 400 that says why.
    const bad = await page.request.get('/api/detectors/prompt_bombing?sort=size')
    expect(bad.status()).toBe(400)
    expect((await bad.json()).error).toContain('sort for prompt_bombing must be one of')
    for (const q of ['dir=sideways', 'offset=-1', 'sort=score%20DESC', 'limit=500'])
      expect((await page.request.get(`/api/detectors/prompt_bombing?${q}`)).status(), q).toBe(400)
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

  test('emulator farms: the server sorts and pages every member of a cluster', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/farms?${windowQuery(e)}`)
    const panel = page.locator('[data-panel="farm-members"]')
    const rows = page.getByTestId('farm-members').locator('tbody tr')
    await expect(rows.first()).toBeVisible()
    // Members count equals the cluster size (the ranking carries at most 500 ids; the member list has them all).
    const size = await tile(page, 'farm-size').textContent()
    await expect(page.getByTestId('farm-members-total')).toHaveText(new RegExp(`^1–\\d+ of ${size}$`))
    const asc = apiResponse(page, '/api/detectors/emulator_farms/', { sort: 'cost_micros', dir: 'asc', offset: '0' })
    await panel.getByRole('button', { name: /^Spend/ }).click()
    const first = (await (await asc).json()) as FarmMembersPage
    await expect(page).toHaveURL(/fmDir=asc/)
    const costs = first.rows.map((r) => r.cost_micros)
    expect(costs).toEqual([...costs].sort((a, b) => a - b))
    await expect(rows.first()).toContainText(first.rows[0].install_id)
    await expect(rows.first().locator('td').last()).toHaveText(usd(first.rows[0].cost_micros))
    expect(first.total).toBeGreaterThan(first.limit)
    const next = apiResponse(page, '/api/detectors/emulator_farms/', { sort: 'cost_micros', dir: 'asc', offset: String(first.limit) })
    await panel.getByRole('button', { name: 'Next page' }).click()
    const second = (await (await next).json()) as FarmMembersPage
    await expect(page).toHaveURL(/fmPage=1/)
    await expect(page.getByTestId('farm-members-total')).toHaveText(`${first.limit + 1}–${Math.min(first.total, 2 * first.limit)} of ${count(first.total)}`)
    expect(second.rows[0].cost_micros).toBeGreaterThanOrEqual(costs[costs.length - 1])
    // The simulator keeps spending while the test pages, so an install may move from page 1 to page 2
    // between the two requests; one whose spend did not change must never be on both.
    const firstCost = new Map(first.rows.map((r) => [r.install_id, r.cost_micros]))
    expect(second.rows.filter((r) => firstCost.get(r.install_id) === r.cost_micros)).toEqual([])
    await expect(rows.first()).toContainText(second.rows[0].install_id)
    const bad = await page.request.get(`/api/detectors/emulator_farms/${encodeURIComponent(first.cluster_id)}/members?sort=device_model`)
    expect(bad.status()).toBe(400)
    expect((await page.request.get(`/api/detectors/prompt_bombing/${encodeURIComponent(first.cluster_id)}/members`)).status()).toBe(404)
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
