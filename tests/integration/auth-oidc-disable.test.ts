import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Principal, Role } from '../../lib/auth/roles'
import type { Store } from '../../lib/clickhouse/client'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// Issue 18, I1: an admin disables an OIDC user through the API (admin only, audited), and the
// OIDC callback then refuses that user. Real chDB and routes; only the identity provider's
// answer (finishLogin: code exchange and id_token check, tested in tests/unit/auth-oidc.test.ts) is stubbed.
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-oidc-disable-')),
  CLICKHOUSE_DATABASE: `oidc_disable_${process.pid}`,
  INGEST_SOURCE: 'none',
  DETECT_ENABLED: '0',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_KAFKA: '0',
  OIDC_ISSUER: 'https://idp.example.test',
  OIDC_CLIENT_ID: 'burnrate',
  OIDC_REDIRECT_URL: 'http://localhost:3000/api/auth/oidc/callback',
})
delete process.env.CLICKHOUSE_URL
delete process.env.PUBLIC_URL

const oidcUser: Principal = { userId: 'https://idp.example.test#u-7', displayName: 'u7@example', role: 'responder', provider: 'https://idp.example.test' }
vi.mock('@/lib/auth/oidc', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/auth/oidc')>()),
  finishLogin: async () => ({ principal: oidcUser, next: '/alerts' }),
}))

const cookies: Partial<Record<Role, string>> = {}
const call = routeCaller(cookies)
let routes: Record<string, Record<string, Handler>>
let store: Store

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['admin', 'responder']))
  routes = {
    oidcUsers: await import('../../app/api/auth/oidc-users/route'),
    callback: await import('../../app/api/auth/oidc/callback/route'),
  } as unknown as Record<string, Record<string, Handler>>
  const { appStore } = await import('../../lib/runtime/app-runtime')
  store = await appStore()
})
afterAll(async () => {
  await store?.close().catch(() => {})
})

/** The provider redirecting the browser back with a code, as the callback receives it. */
const callback = () =>
  routes.callback.GET(
    new Request('http://localhost:3000/api/auth/oidc/callback?code=c1&state=s1', { headers: { host: 'localhost:3000', cookie: 'br_oidc=flow-token' } }),
  )
const sessionSet = (res: Response) => res.headers.getSetCookie().some((c) => c.startsWith('br_session=') && !/Max-Age=0/.test(c))
const auditCount = async (action: string, subject: string) => {
  const rs = await store.client.query({
    query: `SELECT count() AS n FROM ${store.database}.audit_log WHERE action = {action:String} AND subject = {subject:String}`,
    query_params: { action, subject },
    format: 'JSONEachRow',
  })
  return Number(((await rs.json()) as { n: number | string }[])[0].n)
}

describe('disabling an OIDC user', () => {
  it('signs an enabled OIDC user in', async () => {
    const res = await callback()
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/alerts')
    expect(sessionSet(res)).toBe(true)
  })

  it('is for admins only, and audited', async () => {
    const body = { userId: oidcUser.userId, disabled: true }
    expect((await call(routes.oidcUsers.POST, 'POST', '/api/auth/oidc-users', { body })).status).toBe(401)
    expect((await call(routes.oidcUsers.POST, 'POST', '/api/auth/oidc-users', { role: 'responder', body })).status).toBe(403)
    expect(await auditCount('auth.oidc_user_save', oidcUser.userId)).toBe(0)
    expect((await call(routes.oidcUsers.POST, 'POST', '/api/auth/oidc-users', { role: 'admin', body })).status).toBe(200)
    expect(await auditCount('auth.oidc_user_save', oidcUser.userId)).toBe(1)
    const listed = (await (await call(routes.oidcUsers.GET, 'GET', '/api/auth/oidc-users', { role: 'admin' })).json()) as { users: unknown[] }
    expect(listed.users).toEqual([{ userId: oidcUser.userId, disabled: true }])
  })

  it('makes the callback refuse the user, with no session and an audited failure', async () => {
    const res = await callback()
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=.*disabled/)
    expect(sessionSet(res)).toBe(false)
    expect(await auditCount('auth.signin_failed', 'disabled in Burnrate')).toBe(1)
  })

  it('re-enabled, the user signs in again', async () => {
    expect(
      (await call(routes.oidcUsers.POST, 'POST', '/api/auth/oidc-users', { role: 'admin', body: { userId: oidcUser.userId, disabled: false } })).status,
    ).toBe(200)
    const res = await callback()
    expect(res.headers.get('location')).toBe('/alerts')
    expect(sessionSet(res)).toBe(true)
  })
})
