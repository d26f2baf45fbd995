import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { Store } from '../../lib/clickhouse/client'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'
import { embeddedAppEnv } from '../../harness/app-env'

// Issue 18, F11: heavy reads a viewer can trigger are charged to a per-user budget. Real chDB, empty store.
embeddedAppEnv('routes-expensive')

const cookies: Partial<Record<Role, string>> = {}
const call = routeCaller(cookies)
let routes: Record<string, Record<string, Handler>>
let store: Store
let EXPENSIVE_READS_PER_MINUTE: number

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer', 'responder']))
  routes = {
    detectors: await import('../../app/api/detectors/[name]/route'),
    promptSizes: await import('../../app/api/prompt-sizes/route'),
    farmMembers: await import('../../app/api/detectors/[name]/[clusterId]/members/route'),
    farmMembersExport: await import('../../app/api/detectors/[name]/[clusterId]/members/export/route'),
    snapshot: await import('../../app/api/policy/snapshot/route'),
    deadLettersExport: await import('../../app/api/ingest/dead-letters/export/route'),
    incidentsExport: await import('../../app/api/incidents/export/route'),
    costExport: await import('../../app/api/cost/export/route'),
    statement: await import('../../app/api/cost/statement/route'),
    topSpendersExport: await import('../../app/api/overview/top-spenders/export/route'),
    historyExport: await import('../../app/api/policy/history/export/route'),
  } as unknown as Record<string, Record<string, Handler>>
  ;({ EXPENSIVE_READS_PER_MINUTE } = await import('../../lib/http/expensive-reads'))
  const { appStore } = await import('../../lib/runtime/app-runtime')
  store = await appStore()
})
afterAll(async () => {
  await store?.close().catch(() => {})
})

describe('expensive reads', () => {
  it('detector rankings: a budget per user per minute, then 429; another user is unaffected', async () => {
    const ranking = () => call(routes.detectors.GET, 'GET', '/api/detectors/prompt_bombing', { role: 'viewer', params: { name: 'prompt_bombing' } })
    for (let i = 0; i < EXPENSIVE_READS_PER_MINUTE; i++) expect((await ranking()).status).toBe(200)
    const refused = await ranking()
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many expensive reads/)
    expect((await call(routes.detectors.GET, 'GET', '/api/detectors/prompt_bombing', { role: 'responder', params: { name: 'prompt_bombing' } })).status).toBe(
      200,
    )
  })

  it('the prompt-size histogram is charged over long ranges only', async () => {
    // The viewer's budget is spent (previous test): a day still answers, 92 days does not.
    const now = Date.now()
    expect((await call(routes.promptSizes.GET, 'GET', '/api/prompt-sizes?range=24h', { role: 'viewer' })).status).toBe(200)
    const long = `/api/prompt-sizes?range=custom&from=${now - 92 * 86_400_000}&to=${now}`
    expect((await call(routes.promptSizes.GET, 'GET', long, { role: 'viewer' })).status).toBe(429)
    expect((await call(routes.promptSizes.GET, 'GET', long, { role: 'responder' })).status).toBe(200)
  })

  it.each([
    ['farm members', 'farmMembers', ''],
    ['the farm members CSV export', 'farmMembersExport', '/export'],
  ])('%s: charged like a ranking, since finding the cluster recomputes the farm detector', async (_name, key, suffix) => {
    const { expensiveReadLimiter } = await import('../../lib/http/expensive-reads')
    // Spend the viewer's budget now, whatever the earlier tests left of it.
    for (let i = 0; i < EXPENSIVE_READS_PER_MINUTE; i++) expensiveReadLimiter().hit('viewer-user')
    const members = (role: Role) =>
      call(routes[key].GET, 'GET', `/api/detectors/emulator_farms/acme:farm-0a1b2c3d4e/members${suffix}`, {
        role,
        params: { name: 'emulator_farms', clusterId: 'acme:farm-0a1b2c3d4e' },
      })
    expect((await members('viewer')).status).toBe(429)
    // Another user still reads (the empty store has no such cluster: 404, not 429).
    expect((await members('responder')).status).toBe(404)
  })

  it('a policy snapshot far behind (?since=0) is the in-memory full snapshot, not a read of the whole log', async () => {
    const { controls } = await import('../../lib/runtime/controls')
    const { applyChangeRequest } = await import('../../lib/policy/apply')
    const deps = await controls()
    const admin = { userId: 'admin-user', displayName: 'admin', role: 'admin', provider: 'local' } as const
    // More versions than a delta is served for (MAX_DELTA_VERSIONS = 200 in the route).
    for (let i = 0; i < 205; i++) {
      const req = {
        scope: 'install',
        subjects: [`i-far-${i}`],
        action: 'quota',
        controls: { tokensPerMinute: 1_000 + i },
        durationMinutes: 60,
        reason: 'far behind',
      }
      await applyChangeRequest(deps, admin, req as never, null)
    }
    const version = deps.service.version
    expect(version).toBeGreaterThan(200)
    const kind = async (since: number) =>
      ((await (await call(routes.snapshot.GET, 'GET', `/api/policy/snapshot?since=${since}`, { role: 'viewer' })).json()) as { kind: string }).kind
    expect(await kind(0)).toBe('snapshot')
    expect(await kind(version - 3)).toBe('delta')
  }, 180_000)
  it('every whole-table CSV export is charged: once the budget is spent, 429 with Retry-After (last: it spends the responder budget)', async () => {
    const exportAs = (name: string, path: string) => call(routes[name].GET, 'GET', path, { role: 'responder' })
    let served = 0
    while ((await exportAs('deadLettersExport', '/api/ingest/dead-letters/export')).status === 200) served++
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThanOrEqual(EXPENSIVE_READS_PER_MINUTE)
    for (const [name, path] of [
      ['incidentsExport', '/api/incidents/export'],
      ['costExport', '/api/cost/export?by=feature'],
      ['statement', '/api/cost/statement?tenant=acme&month=2026-11'],
      ['topSpendersExport', '/api/overview/top-spenders/export'],
      ['historyExport', '/api/policy/history/export'],
    ]) {
      const refused = await exportAs(name, path)
      expect([name, refused.status]).toEqual([name, 429])
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    }
  })
})
