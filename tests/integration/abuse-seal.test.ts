import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { abuseTax } from '../../lib/queries/abuse-tax'
import { sealAbuseHours } from '../../lib/queries/abuse-seal'
import { resolveRange } from '../../lib/time-range'
import { rows, testStore } from '../helpers/store'

let store: Store & { drop(): Promise<void> }
const HOUR = 3_600_000
const now = Date.now()
const hourStart = Math.floor(now / HOUR) * HOUR
const DAY = 24 * HOUR
const dayStart = Math.floor(now / DAY) * DAY

/** Spend and attestations of three installs over the last 5 hours: a farm phone, a healthy one, and a revoked one. */
function events() {
  const out: Record<string, unknown>[] = []
  let n = 0
  const ev = (install: string, ts: number, fields: Record<string, unknown>) =>
    out.push({ ts, event_id: `e${n++}`, tenant_id: 't1', install_id: install, app_version: '1.0', platform: 'android', ...fields })
  for (let h = 5; h >= 1; h--) {
    const t = hourStart - h * HOUR + 600_000
    ev('farm', t, { type: 'attestation', verdict: 'rejected', reasons: ['emulator'] })
    ev('farm', t + 1000, { type: 'llm_request', feature: 'chat', model: 'm', cost_micros: 1000, outcome: 'served' })
    ev('good', t, { type: 'attestation', verdict: 'accepted' })
    ev('good', t + 1000, { type: 'llm_request', feature: 'chat', model: 'm', cost_micros: 300, outcome: 'served' })
    ev('cut', t + 2000, { type: 'llm_request', feature: 'chat', model: 'm', cost_micros: 50, outcome: 'served' })
  }
  out.push({
    ts: hourStart - 2 * HOUR,
    event_id: 'deny',
    tenant_id: 't1',
    install_id: 'cut',
    type: 'policy_denial',
    rule_kind: 'revoked',
    rule_id: 't1:revoked',
  })
  return out
}

/** In tenant t2, one farm phone and one healthy phone spending every hour of the last 3 days and the current day so far. */
function dayEvents() {
  const out: Record<string, unknown>[] = []
  for (let t = dayStart - 3 * DAY + 600_000; t < hourStart; t += HOUR) {
    const base = { tenant_id: 't2', app_version: '1.0', platform: 'android' }
    out.push({ ...base, ts: t, event_id: `a${t}`, install_id: 'farm2', type: 'attestation', verdict: 'rejected', reasons: ['emulator'] })
    out.push({
      ...base,
      ts: t + 1000,
      event_id: `f${t}`,
      install_id: 'farm2',
      type: 'llm_request',
      feature: 'chat',
      model: 'm',
      cost_micros: 1000,
      outcome: 'served',
    })
    out.push({
      ...base,
      ts: t + 2000,
      event_id: `g${t}`,
      install_id: 'good2',
      type: 'llm_request',
      feature: 'chat',
      model: 'm',
      cost_micros: 300,
      outcome: 'served',
    })
  }
  return out
}

beforeAll(async () => {
  store = await testStore('abuse_seal')
  await store.client.insert({ table: `${store.database}.events`, values: [...events(), ...dayEvents()], format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

describe('abuse tax from sealed install-hours', () => {
  it('whole past hours come from abuse_hour and match the per-install truth', async () => {
    const range = resolveRange({ range: 'custom', from: hourStart - 6 * HOUR, to: hourStart, tenant: 't1' })
    const a = await abuseTax(store, range)
    expect(a.totalMicros).toBe(5 * (1000 + 300 + 50))
    expect(a.attestationFailedMicros).toBe(5 * 1000)
    expect(a.revokedMicros).toBe(5 * 50)
    expect(a.abuseMicros).toBe(5 * 1050)
    expect(a.failedInstalls).toBe(1)
    expect(a.revokedInstalls).toBe(1)
    const sealed = await rows<{ n: string; c: string }>(
      store,
      `SELECT count() n, sum(cost_micros) c FROM ${store.database}.abuse_hour FINAL WHERE tenant_id = 't1'`,
    )
    expect(Number(sealed[0].c)).toBe(5 * 1350) // the figure above came from the sealed hours
  })

  it('sealing again replaces an hour instead of adding to it', async () => {
    await sealAbuseHours(store, Date.now() + 120_000)
    const range = resolveRange({ range: 'custom', from: hourStart - 6 * HOUR, to: hourStart, tenant: 't1' })
    expect((await abuseTax(store, range)).totalMicros).toBe(5 * 1350)
  })

  it('a window edge inside an hour is judged from install_minute', async () => {
    const range = resolveRange({ range: 'custom', from: hourStart - 3 * HOUR + 300_000, to: hourStart - HOUR + 900_000, tenant: 't1' })
    const a = await abuseTax(store, range)
    // Hours -3 (event at :10, after the start at :05), -2, and -1 (event at :10, before the end at :15).
    expect(a.totalMicros).toBe(3 * 1350)
    expect(a.attestationFailedMicros).toBe(3 * 1000)
  })
})

describe('abuse tax over days (abuse_day)', () => {
  it('a sealed day row holds exactly the sealed hours of that day', async () => {
    const byDay = await rows<{ day: string; d: string; h: string }>(
      store,
      `SELECT toString(d.day) AS day, d.c AS d, h.c AS h
       FROM (SELECT day, sum(cost_micros) AS c FROM ${store.database}.abuse_day FINAL GROUP BY day) AS d
       FULL OUTER JOIN (SELECT toDate(hour) AS day, sum(cost_micros) AS c FROM ${store.database}.abuse_hour FINAL GROUP BY day) AS h ON d.day = h.day`,
    )
    expect(byDay.length).toBeGreaterThanOrEqual(3)
    for (const r of byDay) expect(Number(r.d)).toBe(Number(r.h))
  })

  it('a window over whole days and partial hours counts each hour once, whatever the edges', async () => {
    for (const [from, to] of [
      [dayStart - 3 * DAY, hourStart],
      [dayStart - 3 * DAY + 5 * HOUR + 300_000, dayStart - DAY + 7 * HOUR + 900_000],
      [dayStart - 2 * DAY - 2 * HOUR, dayStart - DAY + 2 * HOUR],
    ]) {
      const a = await abuseTax(store, resolveRange({ range: 'custom', from, to, tenant: 't2' }))
      // One farm and one healthy request per hour, at :10 past: count the hours whose :10 falls in [from, to).
      let hours = 0
      for (let t = dayStart - 3 * DAY + 600_000; t < hourStart; t += HOUR) if (t >= from && t + 2000 < to) hours++
      expect(a.totalMicros).toBe(hours * 1300)
      expect(a.attestationFailedMicros).toBe(hours * 1000)
      expect(a.failedInstalls).toBe(1)
    }
  })
})
