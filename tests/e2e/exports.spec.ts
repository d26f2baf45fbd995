import type { Page } from '@playwright/test'
import { expect, expected, test, windowQuery } from './fixtures'

/** The CSV behind a table's CSV button: its header, data rows (split on commas: the cells checked here hold none) and file name. */
async function download(page: Page, testId: string): Promise<{ href: string; header: string; rows: string[][]; file: string }> {
  const href = await page.getByTestId(testId).getAttribute('href')
  expect(href).toBeTruthy()
  const res = await page.request.get(href!)
  expect(res.status()).toBe(200)
  expect(res.headers()['content-type']).toBe('text/csv; charset=utf-8')
  const lines = (await res.text()).trimEnd().split('\r\n')
  return { href: href!, header: lines[0], rows: lines.slice(1).map((l) => l.split(',')), file: res.headers()['content-disposition'] }
}

/** The page route the export mirrors: the same URL without `/export`, asking for the first page. */
async function firstPage<T>(page: Page, href: string, limit = 200): Promise<T> {
  const url = new URL(href.replace('/export?', '?'), 'http://x')
  url.searchParams.set('limit', String(limit))
  const res = await page.request.get(`${url.pathname}${url.search}`)
  expect(res.status()).toBe(200)
  return (await res.json()) as T
}

test.describe('table CSV exports', () => {
  // Each reads a whole table (a ranking reruns its detector) on a machine shared with the live simulator.
  test.describe.configure({ timeout: 240_000 })

  test('install events: every event of the window, newest first, as the table pages them', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/installs/${e.topInstall.install_id}?${windowQuery(e)}`)
    await expect(page.getByTestId('install-events-table').locator('tbody tr').first()).toBeVisible()
    const csv = await download(page, 'install-events-export')
    expect(csv.href).toContain(`/api/installs/${e.topInstall.install_id}/events/export?`)
    expect(csv.file).toContain(`burnrate-install-events-${e.topInstall.install_id}-all-`)
    expect(csv.header).toBe(
      'ts_utc,type,feature,model,verdict,reasons,outcome,end_reason,duration_ms,rule_kind,context_tokens,prompt_tokens,completion_tokens,cost_usd',
    )
    const api = await firstPage<{ total: number; rows: { ts: number; type: string }[] }>(page, csv.href)
    expect(csv.rows.length).toBe(api.total)
    expect(csv.rows.slice(0, api.rows.length).map((r) => [Date.parse(r[0]), r[1]])).toEqual(api.rows.map((r) => [r.ts, r.type]))
    const requests = csv.rows.filter((r) => r[1] === 'llm_request' || r[1] === 'stream').length
    expect(requests).toBe(e.topInstall.requests)
  })

  test('prompt-bombing ranking and farm members: every row, in the table order', async ({ signedIn: page }) => {
    const e = expected()
    await page.goto(`/prompt-bombing?${windowQuery(e)}`)
    await expect(page.getByTestId('bombing-table').locator('tbody tr').first()).toBeVisible()
    const ranking = await download(page, 'bombing-export')
    expect(ranking.header.split(',').slice(0, 4)).toEqual(['tenant', 'install_id', 'feature', 'score'])
    const api = await firstPage<{ total: number; rows: { install_id: string; score: number }[] }>(page, ranking.href)
    expect(ranking.rows.length).toBe(api.total)
    const scores = ranking.rows.map((r) => Number(r[3]))
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    expect(scores[0]).toBeCloseTo(api.rows[0].score, 1)
    // The table's first row is the export's first row.
    await expect(page.getByTestId('bombing-table').locator('tbody tr').first()).toContainText(ranking.rows[0][1])

    await page.goto(`/farms?${windowQuery(e)}`)
    await expect(page.getByTestId('farm-members').locator('tbody tr').first()).toBeVisible()
    const members = await download(page, 'farm-members-export')
    expect(members.header.split(',').slice(0, 3)).toEqual(['tenant', 'install_id', 'platform'])
    const total = await firstPage<{ total: number }>(page, members.href)
    expect(members.rows.length).toBe(total.total)
    expect(new Set(members.rows.map((r) => r[1])).size).toBe(members.rows.length)
    // Most spend first, as the table; the live simulator may move a cent between reads, never the order of the file.
    const costs = members.rows.map((r) => Number(r[r.length - 1]))
    expect([...costs].sort((a, b) => b - a)).toEqual(costs)
  })

  test('dead letters: every dead letter of the window, with the seeded count', async ({ signedIn: page }) => {
    const e = expected()
    // Dead letters are stamped when received (at the seed), so the last hour holds them, not the seeded window.
    await page.goto('/ingest?range=1h')
    await expect(page.getByTestId('dead-letters-table').locator('tbody tr').first()).toBeVisible()
    const csv = await download(page, 'dead-letters-export')
    expect(csv.header).toBe('received_at_utc,reason,src_topic,src_partition,src_offset,error,payload_sample,payload_bytes')
    expect(csv.file).toContain('burnrate-dead-letters-all-')
    expect(csv.rows.length).toBe(e.deadLetters)
    await expect(page.getByTestId('dead-letters-table').locator('tbody tr').first()).toContainText(csv.rows[0][1])
  })

  test('incidents and policy history: the list and the table as CSV', async ({ signedIn: page }) => {
    await page.goto('/alerts?state=all')
    await expect(page.getByTestId('incident-list').getByRole('option').first()).toBeVisible({ timeout: 180_000 })
    const href = await page.getByTestId('incidents-export').getAttribute('href')
    // The list first, then the file: detection keeps running, so the file may hold more, never fewer.
    const api = await firstPage<{ total: number; incidents: { id: string }[] }>(page, href!.replace(/&?(offset|limit)=\d+/g, ''))
    const incidents = await download(page, 'incidents-export')
    expect(incidents.header).toBe(
      'id,tenant,title,state,severity,score,detectors,alerts,first_seen_utc,last_seen_utc,acknowledged_by,acknowledged_at_utc,snoozed_until_utc,resolved_by,resolved_at_utc',
    )
    expect(incidents.rows.length).toBeGreaterThanOrEqual(api.total)
    const ids = new Set(incidents.rows.map((r) => r[0]))
    expect(api.incidents.filter((i) => !ids.has(i.id))).toEqual([])

    await page.goto('/policies')
    const history = await download(page, 'policy-history-export')
    expect(history.header.split(',').slice(0, 3)).toEqual(['version', 'at_utc', 'action'])
    expect(history.file).toMatch(/burnrate-policy-history-\d{12}\.csv/)
  })
})
