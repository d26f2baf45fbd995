import { expect, shot, test } from './fixtures'

interface IncidentList {
  total: number
  incidents: { id: string; alerts: { id: string; detector: string }[] }[]
}
interface IncidentDetail {
  incident: { state: string; acknowledged_by: string | null }
  alerts: { id: string; state: string; acknowledged_by: string | null }[]
}

test.describe('alerts inbox (incidents)', () => {
  test('an open incident lists its alerts with evidence and is acknowledged with them from the inbox', async ({ signedIn: page }) => {
    test.setTimeout(240_000)
    // Detectors run every 15 s in the e2e server; wait for the seeded attacks to raise incidents.
    await expect
      .poll(
        async () => {
          const res = await page.request.get('/api/incidents?state=open&limit=1')
          return res.ok() ? ((await res.json()) as IncidentList).total : 0
        },
        { timeout: 180_000, intervals: [5_000] },
      )
      .toBeGreaterThan(0)
    // Alerts of one attack share an incident: no incident lists the same alert twice, and every listed alert names it.
    const all = (await (await page.request.get('/api/incidents?limit=200&state=open,acknowledged')).json()) as IncidentList
    const seen = all.incidents.flatMap((i) => i.alerts.map((a) => a.id))
    expect(new Set(seen).size).toBe(seen.length)

    await page.goto('/alerts?range=24h')
    const first = page.getByTestId('incident-list').getByRole('option').first()
    await expect(first.getByTestId('incident-members')).not.toBeEmpty()
    await first.click()
    await expect(page).toHaveURL(/incident=/)
    const id = new URL(page.url()).searchParams.get('incident')!
    const detail = page.locator('[data-panel="incident-detail"]')
    await expect(detail.locator('.badge.open')).toBeVisible()
    // Each member alert is shown with its evidence.
    await expect(page.getByTestId('incident-alert').first()).toBeVisible()
    await shot(page, 'alerts')
    await detail.getByRole('button', { name: 'Acknowledge' }).click()
    await expect(detail.locator('.badge.acknowledged')).toBeVisible()
    await expect(page.getByTestId('incident-history')).toContainText('acknowledge')
    const res = await page.request.get(`/api/incidents/${id}`)
    const body = (await res.json()) as IncidentDetail
    // The detectors keep running: an incident whose attack has just ended may resolve right after the acknowledgement,
    // which it keeps (who acknowledged it) either way.
    expect(body.incident.acknowledged_by).toBe('admin')
    expect(['acknowledged', 'resolved']).toContain(body.incident.state)
    // Acknowledging the incident acknowledged its alerts.
    expect(body.alerts.some((a) => a.acknowledged_by === 'admin')).toBe(true)
    await shot(page, 'alerts-acknowledged')

    // A member alert's page offers exactly what the server allows in its state (ALLOWED_FROM, lib/alerts/types.ts):
    // acknowledged, it may be snoozed but not acknowledged again; snoozed, it may be acknowledged but not snoozed again.
    const member = body.alerts.find((a) => a.state === 'acknowledged')!
    await page.goto(`/alerts/${encodeURIComponent(member.id)}?range=24h`)
    const actions = page.getByRole('group', { name: 'Alert actions' })
    await expect(actions.getByRole('button', { name: 'Resolve' })).toBeVisible()
    await expect(actions.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0)
    await actions.getByRole('button', { name: 'Snooze 1 h' }).click()
    await expect(actions.getByRole('button', { name: 'Acknowledge' })).toBeVisible()
    await expect(actions.getByRole('button', { name: /^Snooze/ })).toHaveCount(0)
    await expect(actions.getByRole('button', { name: 'Reopen' })).toBeVisible()
  })
})
