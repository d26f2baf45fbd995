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

beforeAll(async () => {
  store = await testStore('abuse_seal')
  await store.client.insert({ table: `${store.database}.events`, values: events(), format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

describe('abuse tax from sealed install-hours', () => {
  it('whole past hours come from abuse_hour and match the per-install truth', async () => {
    const range = resolveRange({ range: 'custom', from: hourStart - 6 * HOUR, to: hourStart })
    const a = await abuseTax(store, range)
    expect(a.totalMicros).toBe(5 * (1000 + 300 + 50))
    expect(a.attestationFailedMicros).toBe(5 * 1000)
    expect(a.revokedMicros).toBe(5 * 50)
    expect(a.abuseMicros).toBe(5 * 1050)
    expect(a.failedInstalls).toBe(1)
    expect(a.revokedInstalls).toBe(1)
    const sealed = await rows<{ n: string; c: string }>(store, `SELECT count() n, sum(cost_micros) c FROM ${store.database}.abuse_hour FINAL`)
    expect(Number(sealed[0].c)).toBe(5 * 1350) // the figure above came from the sealed hours
  })

  it('sealing again replaces an hour instead of adding to it', async () => {
    await sealAbuseHours(store, Date.now() + 120_000)
    const range = resolveRange({ range: 'custom', from: hourStart - 6 * HOUR, to: hourStart })
    expect((await abuseTax(store, range)).totalMicros).toBe(5 * 1350)
  })

  it('a window edge inside an hour is judged from install_minute', async () => {
    const range = resolveRange({ range: 'custom', from: hourStart - 3 * HOUR + 300_000, to: hourStart - HOUR + 900_000 })
    const a = await abuseTax(store, range)
    // Hours -3 (event at :10, after the start at :05), -2, and -1 (event at :10, before the end at :15).
    expect(a.totalMicros).toBe(3 * 1350)
    expect(a.attestationFailedMicros).toBe(3 * 1000)
  })
})
