import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// The policy routes use the process runtime: a fresh chDB directory, no ingest, no Kafka.
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-policy-csv-')),
  CLICKHOUSE_DATABASE: `policy_csv_${process.pid}`,
  INGEST_SOURCE: 'none',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_KAFKA: '0',
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<Role, string>> = {}
const call = routeCaller(cookies)
let routes: Record<string, Record<string, Handler>>

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer', 'responder']))
  routes = {
    changes: await import('../../app/api/policy/changes/route'),
    policy: await import('../../app/api/policy/route'),
    history: await import('../../app/api/policy/history/route'),
    historyCsv: await import('../../app/api/policy/history/export/route'),
    rulesCsv: await import('../../app/api/policy/rules/export/route'),
    enforcersCsv: await import('../../app/api/policy/enforcers/export/route'),
  } as unknown as Record<string, Record<string, Handler>>
  // Three changes; install ids and the reason are text a user typed (or copied from a gateway event).
  for (const [i, subject] of ['=cmd-install', 'plain-install', '@sum-a1'].entries()) {
    const body = {
      scope: 'install',
      subjects: [subject],
      action: 'revoke',
      controls: {},
      durationMinutes: 30,
      reason: i === 0 ? '=HYPERLINK("x")' : `case ${i}`,
    }
    const res = await call(routes.changes.POST, 'POST', '/api/policy/changes', { role: 'responder', body })
    expect(res.status, await res.clone().text()).toBe(200)
  }
})

afterAll(async () => {
  const { appStore } = await import('../../lib/runtime/app-runtime')
  await (await appStore()).close().catch(() => {})
})

const lines = async (res: Response) => (await res.text()).trimEnd().split('\r\n')

describe('policy table exports', () => {
  it('history: every change of the table, newest first, operator text guarded', async () => {
    expect((await call(routes.historyCsv.GET, 'GET', '/api/policy/history/export')).status).toBe(401)
    const json = (await (await call(routes.history.GET, 'GET', '/api/policy/history', { role: 'viewer' })).json()) as { changes: { version: number }[] }
    const res = await call(routes.historyCsv.GET, 'GET', '/api/policy/history/export', { role: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="burnrate-policy-history-\d{12}\.csv"$/)
    const [header, ...rows] = await lines(res)
    expect(header.split(',').slice(0, 4)).toEqual(['version', 'at_utc', 'action', 'undo_of'])
    expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(json.changes.map((c) => c.version))
    expect(rows.length).toBe(3)
    const first = rows.find((r) => r.includes('HYPERLINK'))!
    expect(first).toContain(`"'=HYPERLINK(""x"")"`)
    expect(first).toContain(',install:=cmd-install,')
  })

  it('rules: every current rule, newest change first, subjects guarded', async () => {
    const json = (await (await call(routes.policy.GET, 'GET', '/api/policy', { role: 'viewer' })).json()) as { rules: { key: string }[] }
    const res = await call(routes.rulesCsv.GET, 'GET', '/api/policy/rules/export', { role: 'viewer' })
    expect(res.status).toBe(200)
    const [header, ...rows] = await lines(res)
    expect(header).toBe('key,scope,subject,controls_json,active,until_utc,reason,author,version,updated_at_utc')
    const subjects = rows.map((r) => r.split(',')[2])
    expect(subjects).toEqual(json.rules.map((r) => r.key.slice('install:'.length)).map((s) => (/^[=@]/.test(s) ? `'${s}` : s)))
    expect(subjects).toContain("'@sum-a1")
  })

  it('enforcers: the header, and no replica in a store none has acked', async () => {
    expect((await call(routes.enforcersCsv.GET, 'GET', '/api/policy/enforcers/export')).status).toBe(401)
    const res = await call(routes.enforcersCsv.GET, 'GET', '/api/policy/enforcers/export', { role: 'viewer' })
    expect(await lines(res)).toEqual(['replica,policy_version_held,lag_versions,last_seen_utc,first_seen_utc'])
  })
})
