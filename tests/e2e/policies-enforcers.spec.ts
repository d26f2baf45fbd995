import type { APIRequestContext } from '@playwright/test'
import { expect, shot, test } from './fixtures'

/**
 * The Policies page lists the enforcer replicas (npm run enforcer) from their policy_ack heartbeats, and per
 * change the time until every known enforcer held it ("at enforcers"). The e2e server runs without Kafka, where a
 * real enforcer's acks travel, so the replicas acknowledge through POST /api/policy/ack as gateway
 * `enforcer-<replica>` (the admin may ack for testing): the same policy_ack event the enforcer sends, the same
 * query and page. Subjects are installs no other spec uses.
 */
const REPLICAS = ['e2e-enf-a', 'e2e-enf-b']

async function apply(request: APIRequestContext, origin: string, subject: string): Promise<number> {
  const res = await request.post('/api/policy/changes', {
    headers: { origin },
    data: { scope: 'install', subjects: [subject], action: 'revoke', controls: {}, durationMinutes: 30, reason: 'e2e: enforcers table' },
  })
  expect(res.ok(), await res.text()).toBeTruthy()
  const body = (await res.json()) as { status: string; version: number }
  expect(body.status).toBe('applied')
  return body.version
}

async function ack(request: APIRequestContext, origin: string, replica: string, version: number) {
  const res = await request.post('/api/policy/ack', { headers: { origin }, data: { gateway_id: `enforcer-${replica}`, policy_version: version } })
  expect(res.ok(), await res.text()).toBeTruthy()
}

const row = (table: ReturnType<import('@playwright/test').Page['getByTestId']>, text: string) => table.locator('tbody tr', { hasText: text })

test('enforcer replicas: version held, lag, last seen; time to enforce at the enforcers per change', async ({ signedIn: page, baseURL }) => {
  const origin = baseURL!
  const first = await apply(page.request, origin, 'e2e-enf-install-1')
  for (const r of REPLICAS) await ack(page.request, origin, r, first)
  const second = await apply(page.request, origin, 'e2e-enf-install-2')
  expect(second).toBeGreaterThan(first)
  // Only replica a has applied the newest change: b is one version behind, and the change is still pending at the enforcers.
  await ack(page.request, origin, REPLICAS[0], second)

  await page.goto('/policies')
  const enforcers = page.getByTestId('enforcers-table')
  await expect(row(enforcers, REPLICAS[0])).toBeVisible()
  const a = row(enforcers, REPLICAS[0]).locator('td')
  const b = row(enforcers, REPLICAS[1]).locator('td')
  // Later specs' changes may raise the app's version: lag is relative to the newest version.
  const latest = ((await (await page.request.get('/api/policy/enforcers')).json()) as { version: number }).version
  await expect(a.nth(1)).toHaveText(String(second))
  await expect(a.nth(2)).toHaveText(String(latest - second))
  await expect(b.nth(1)).toHaveText(String(first))
  await expect(b.nth(2)).toHaveText(String(latest - first))
  await expect(a.nth(3)).toHaveText(/ ago$/)

  const history = page.getByTestId('history-table')
  const changeRow = history.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${second}$`) }) })
  const atEnforcersCol = (await history.locator('thead th').allTextContents()).indexOf('at enforcers')
  expect(atEnforcersCol).toBeGreaterThan(0)
  // Every enforcer seen in the last day counts: other replicas (none in this run) would make it n/m with m > 2.
  await expect(changeRow.locator('td').nth(atEnforcersCol)).toHaveText('pending')
  await shot(page, 'policies-enforcers-pending')

  // Replica b applies the change: the change now shows how long until every enforcer held it.
  await ack(page.request, origin, REPLICAS[1], second)
  await page.reload()
  await expect(row(page.getByTestId('enforcers-table'), REPLICAS[1]).locator('td').nth(1)).toHaveText(String(second))
  await expect(
    page
      .getByTestId('history-table')
      .locator('tbody tr')
      .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${second}$`) }) })
      .locator('td')
      .nth(atEnforcersCol),
  ).toHaveText(/\(2\/2\)$/)
  await shot(page, 'policies-enforcers')
})
