import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { Store } from '../../lib/clickhouse/client'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// Route handlers use the process runtime: a fresh chDB directory, no ingest, no detector loop.
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-budgets-')),
  CLICKHOUSE_DATABASE: `budgets_${process.pid}`,
  INGEST_SOURCE: 'none',
  DETECT_ENABLED: '0',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_KAFKA: '0',
  RETENTION_DAYS: '90',
  BUDGETS_JSON: '{"initech-bank": 900000000000}',
  BUDGET_MONTHLY_MICROS: '0',
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<Role, string>> = {}
let routes: Record<string, Record<string, Handler>>
let store: Store
const call = routeCaller(cookies)
const now = Date.now()
const sum = async (sql: string) => {
  const rs = await store.client.query({ query: sql.replaceAll('DB', store.database), format: 'JSONEachRow' })
  return (await rs.json<Record<string, string>>())[0]
}

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer', 'finance', 'responder', 'admin']))
  routes = {
    budgets: await import('../../app/api/budgets/route'),
    summary: await import('../../app/api/cost/budget/route'),
    statement: await import('../../app/api/cost/statement/route'),
    exportBreakdown: await import('../../app/api/cost/export/route'),
    exportSeries: await import('../../app/api/cost/series/export/route'),
    audit: await import('../../app/api/audit/route'),
  } as unknown as Record<string, Record<string, Handler>>
  const { appStore } = await import('../../lib/runtime/app-runtime')
  store = await appStore()
  const { seedHistory } = await import('../../lib/seed/history')
  // Hourly rows keep the test quick; the seed's 5-minute rows differ only in count.
  const seeded = await seedHistory(store, { days: 35, endMs: now - 3_600_000, seed: 7, installs: 300, ratePerSec: 20, slotS: 3600 })
  expect(seeded).not.toBeNull()
}, 240_000)

afterAll(async () => {
  await store?.close().catch(() => {})
})

describe('month seed and long-range rollups', () => {
  it('usage_hour and usage_day hold exactly what usage_minute holds', async () => {
    const m = await sum(`SELECT sum(cost_micros) c, sum(requests) r, sum(attest_rejected) a FROM DB.usage_minute`)
    const h = await sum(`SELECT sum(cost_micros) c, sum(requests) r, sum(attest_rejected) a FROM DB.usage_hour`)
    const d = await sum(`SELECT sum(cost_micros) c, sum(requests) r, sum(attest_rejected) a FROM DB.usage_day`)
    expect(Number(m.c)).toBeGreaterThan(0)
    expect(h).toEqual(m)
    expect(d).toEqual(m)
  })

  it('the month has weekends, a release that raised cost per request, and an attack week', async () => {
    const byDay = await store.client.query({
      query: `
      SELECT toDayOfWeek(day) >= 6 AS weekend, avg(c) AS c FROM (SELECT day, sum(cost_micros) c FROM ${store.database}.usage_day
      WHERE day < toStartOfDay(now()) - INTERVAL 1 DAY AND day > toStartOfDay(now()) - INTERVAL 33 DAY GROUP BY day) GROUP BY weekend ORDER BY weekend`,
      format: 'JSONEachRow',
    })
    const [weekday, weekend] = await byDay.json<{ c: number }>()
    expect(weekend.c / weekday.c).toBeGreaterThan(0.55)
    expect(weekend.c / weekday.c).toBeLessThan(0.85)
    const attack = await sum(`SELECT sumIf(attest_rejected, minute >= now() - INTERVAL 21 DAY AND minute < now() - INTERVAL 15 DAY) AS during,
      sumIf(attest_rejected, minute >= now() - INTERVAL 7 DAY AND minute < now() - INTERVAL 1 DAY) AS after FROM DB.usage_minute`)
    expect(Number(attack.during)).toBeGreaterThan(5 * Number(attack.after))
  })

  it('the seeded month has active installs in the install sketches, per day and dimension as in the rollups', async () => {
    // usage_day's uniq states hold the seed's ids exactly at this size; the sketches (uniqCombined(14)) within 3 %.
    const rs = await store.client.query({
      query: `
      SELECT u.day AS day, u.feature AS feature, u.n AS exact, s.n AS sketch FROM
        (SELECT day, feature, uniqMerge(installs) AS n FROM ${store.database}.usage_day WHERE feature != '' GROUP BY day, feature) AS u
        LEFT JOIN (SELECT day, key AS feature, uniqCombinedMerge(14)(installs) AS n FROM ${store.database}.installs_dim_day
          WHERE dim = 'feature' GROUP BY day, key) AS s ON s.day = u.day AND s.feature = u.feature
      WHERE u.n > 0`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })
    const rows = await rs.json<{ exact: number; sketch: number }>()
    expect(rows.length).toBeGreaterThan(30)
    for (const r of rows) expect(Math.abs(r.sketch - r.exact) / r.exact).toBeLessThan(0.03)
  })
})

describe('budgets', () => {
  it('the forecast has a band, and the page and the alert agree on it', async () => {
    const res = await call(routes.summary.GET, 'GET', '/api/cost/budget', { role: 'viewer' })
    expect(res.status).toBe(200)
    const s = await res.json()
    expect(s.forecast.status).toBe('ok')
    expect(s.forecast.p10Micros).toBeLessThanOrEqual(s.forecast.forecastMicros)
    expect(s.forecast.p90Micros).toBeGreaterThanOrEqual(s.forecast.forecastMicros)
    // BUDGETS_JSON seeds a budget the app has never written.
    expect(s.budgets).toEqual([expect.objectContaining({ tenant_id: 'initech-bank', source: 'seed', monthly_micros: 900_000_000_000 })])
  })

  it('finance and admin may set budgets; viewers and responders may not', async () => {
    const body = { tenant_id: 'acme-fitness', monthly_micros: 1_000_000, thresholds: [80, 50, 100] }
    expect((await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'viewer', body })).status).toBe(403)
    expect((await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'responder', body })).status).toBe(403)
    expect((await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'finance', body: { ...body, monthly_micros: -1 } })).status).toBe(400)
    const ok = await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'finance', body })
    expect(ok.status).toBe(200)
    expect((await ok.json()).budget).toMatchObject({ thresholds: [50, 80, 100], basis: 'forecast', source: 'app' })
    const again = await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'admin', body: { ...body, monthly_micros: 2_000_000, basis: 'actual' } })
    expect(again.status).toBe(200)
    const list = await (await call(routes.budgets.GET, 'GET', '/api/budgets', { role: 'viewer' })).json()
    expect(list.budgets.find((b: { tenant_id: string }) => b.tenant_id === 'acme-fitness')).toMatchObject({
      monthly_micros: 2_000_000,
      basis: 'actual',
      updated_by: 'admin-user',
    })
  })

  it('every change is audited with before and after', async () => {
    const res = await call(routes.audit.GET, 'GET', '/api/audit?action=budget.set', { role: 'admin' })
    const entries = (await res.json()).entries as { actor: string; before: unknown; after: unknown; subject: string }[]
    const mine = entries.filter((e) => e.subject === 'acme-fitness')
    expect(mine.map((e) => e.actor).sort()).toEqual(['admin-user', 'finance-user'])
    const second = mine.find((e) => e.actor === 'admin-user')!
    expect(second.before).toMatchObject({ monthly_micros: 1_000_000, basis: 'forecast' })
    expect(second.after).toMatchObject({ monthly_micros: 2_000_000, basis: 'actual' })
  })

  it('a crossing becomes a budget row of the cost detector, at the same figures the page shows', async () => {
    await call(routes.budgets.PUT, 'PUT', '/api/budgets', { role: 'finance', body: { tenant_id: 'globex-travel', feature: 'translate', monthly_micros: 1e15 } })
    const { budgetAlertRows } = await import('../../lib/detection/budget-rows')
    const { costFindings } = await import('../../lib/detection/detect-all')
    const t = Date.now()
    const rows = await budgetAlertRows(store, t)
    const acme = rows.find((r) => r.subject === 'acme-fitness')!
    expect(acme.severity).toBe('critical') // $2 budget, thousands spent
    expect(acme.reasons[0]).toMatch(/month-to-date spend .* of the \$2\.00 monthly budget/)
    const translate = rows.find((r) => r.subject === 'globex-travel/translate')!
    expect(translate.severity).toBeNull()
    expect(costFindings(rows).map((f) => f.subject)).toContain('budget:acme-fitness')
    expect(costFindings(rows).map((f) => f.subject)).not.toContain('budget:globex-travel/translate')
    const { budgetSummary } = await import('../../lib/budgets/summary')
    const page = await budgetSummary(store, 'initech-bank', t)
    const initech = rows.find((r) => r.subject === 'initech-bank')!
    expect(page.budgets[0].forecastMicros).toBe(initech.budget!.forecast_micros)
    // The tile and the alert, for every budget in force: same month to date, forecast and share (one statusesFrom).
    const whole = await budgetSummary(store, '', t)
    expect(whole.budgets.map((b) => (b.feature ? `${b.tenant_id}/${b.feature}` : b.tenant_id)).sort()).toEqual(rows.map((r) => r.subject).sort())
    for (const b of whole.budgets) {
      const alert = rows.find((r) => r.subject === (b.feature ? `${b.tenant_id}/${b.feature}` : b.tenant_id))!
      expect(alert.budget).toEqual({
        month_to_date_micros: b.monthToDateMicros,
        forecast_micros: b.forecastMicros ?? b.monthToDateMicros,
        budget_micros: b.monthly_micros,
      })
      expect(alert.ratio).toBe(b.share)
      expect(alert.reasons.length > 0).toBe(b.crossed !== null)
    }
  })

  it('deleting a seeded budget hides it; deleting nothing is a 404', async () => {
    const del = await call(routes.budgets.DELETE, 'DELETE', '/api/budgets', { role: 'finance', body: { tenant_id: 'initech-bank' } })
    expect(del.status).toBe(200)
    expect((await call(routes.budgets.DELETE, 'DELETE', '/api/budgets', { role: 'finance', body: { tenant_id: 'initech-bank' } })).status).toBe(404)
    const list = await (await call(routes.budgets.GET, 'GET', '/api/budgets', { role: 'viewer' })).json()
    expect(list.budgets.map((b: { tenant_id: string }) => b.tenant_id)).not.toContain('initech-bank')
  })
})

describe('monthly statement', () => {
  it("streams a tenant's month as CSV whose TOTAL is the month's spend", async () => {
    const d = new Date(now)
    const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
    const res = await call(routes.statement.GET, 'GET', `/api/cost/statement?tenant=globex-travel&month=${month}`, { role: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines[0]).toBe('day,feature,model,app_version,requests,prompt_tokens,completion_tokens,cost_usd,cost_per_request_usd,cost_per_1k_tokens_usd')
    const totalLine = lines.at(-1)!.split(',')
    expect(totalLine[0]).toBe('TOTAL')
    const m = await sum(`SELECT sum(cost_micros) c, sum(requests) r FROM DB.usage_day WHERE tenant_id = 'globex-travel' AND day >= toStartOfMonth(now())`)
    expect(Math.round(Number(totalLine[7]) * 1e6)).toBe(Number(m.c))
    expect(Number(totalLine[4])).toBe(Number(m.r))
    expect(lines.length).toBeGreaterThan(2)
    expect((await call(routes.statement.GET, 'GET', '/api/cost/statement?tenant=&month=2026-13', { role: 'viewer' })).status).toBe(400)
  })
})

describe('streamed CSV exports of the Cost page tables', () => {
  it('cost over time: every day and feature of 90 days, summing to the rollups', async () => {
    const res = await call(routes.exportSeries.GET, 'GET', '/api/cost/series/export?range=90d&by=feature&granularity=day', { role: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('burnrate-cost-over-time-by-feature-all-')
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines[0]).toBe('bucket_start_utc,feature,cost_usd,requests,tokens,cost_per_request_usd,cost_per_1k_tokens_usd')
    const body = lines.slice(1).map((l) => l.split(','))
    const days = new Set(body.map((c) => c[0]))
    expect(days.size).toBeGreaterThanOrEqual(34)
    const total = await sum(`SELECT sum(cost_micros) c, sum(requests) r FROM DB.usage_minute WHERE minute >= toStartOfDay(now() - INTERVAL 90 DAY)`)
    const csvRequests = body.reduce((a, c) => a + Number(c[3]), 0)
    expect(csvRequests).toBe(Number(total.r))
    expect(Math.abs(body.reduce((a, c) => a + Number(c[2]), 0) * 1e6 - Number(total.c))).toBeLessThan(body.length)
  })

  it('breakdown, all rows: the whole table in its order, the page export only the page', async () => {
    const all = await call(routes.exportBreakdown.GET, 'GET', '/api/cost/export?range=30d&by=feature&sort=cost_micros&dir=desc&all=true', { role: 'viewer' })
    expect(all.status).toBe(200)
    const rows = (await all.text())
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','))
    const features = await sum(`SELECT uniqExact(feature) n FROM DB.usage_day WHERE feature != '' AND day >= toStartOfDay(now() - INTERVAL 30 DAY)`)
    expect(rows.length).toBe(Number(features.n))
    const costs = rows.map((r) => Number(r[1]))
    expect([...costs].sort((a, b) => b - a)).toEqual(costs)
    expect(rows.every((r) => Number(r[4]) > 0)).toBe(true)
    const page = await call(routes.exportBreakdown.GET, 'GET', '/api/cost/export?range=30d&by=feature&sort=cost_micros&dir=desc&limit=2', { role: 'viewer' })
    const pageRows = (await page.text()).trim().split('\r\n').slice(1)
    expect(pageRows).toEqual(rows.slice(0, 2).map((r) => r.join(',')))
    expect((await call(routes.exportBreakdown.GET, 'GET', '/api/cost/export?range=30d&by=nope', { role: 'viewer' })).status).toBe(400)
  })
})
