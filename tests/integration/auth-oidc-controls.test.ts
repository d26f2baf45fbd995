import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oidcSettings } from '../../lib/auth/oidc'
import { isOidcUserDisabled, setOidcUserDisabled } from '../../lib/auth/oidc-users'
import type { Principal } from '../../lib/auth/roles'
import { issueSession, verifySession } from '../../lib/auth/session'
import { livePrincipal } from '../../lib/auth/session-live'
import { testStore } from '../helpers/store'

// Issue 18, I1: OIDC redirect_uri never from the Host header; OIDC users can be disabled; OIDC sessions are short.
process.env.SESSION_SECRET ??= 'test-session-secret-0123456789abcdef0123456789'
const env = (extra: Record<string, string>) =>
  ({ OIDC_ISSUER: 'https://idp.example.test', OIDC_CLIENT_ID: 'burnrate', ...extra }) as unknown as NodeJS.ProcessEnv

describe('OIDC redirect_uri', () => {
  it('comes from OIDC_REDIRECT_URL, else PUBLIC_URL, else nothing', () => {
    expect(oidcSettings(env({ OIDC_REDIRECT_URL: 'https://br.example/cb' }))!.callbackUrl).toBe('https://br.example/cb')
    expect(oidcSettings(env({ PUBLIC_URL: 'https://br.example' }))!.callbackUrl).toBe('https://br.example/api/auth/oidc/callback')
    expect(oidcSettings(env({}))!.callbackUrl).toBeNull()
  })

  it('with neither set, the login route refuses (503) instead of building one from a forged Host', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, { OIDC_ISSUER: 'https://idp.example.test', OIDC_CLIENT_ID: 'burnrate' })
    delete process.env.OIDC_REDIRECT_URL
    delete process.env.PUBLIC_URL
    try {
      const { GET } = await import('../../app/api/auth/oidc/login/route')
      const res = await GET(new Request('http://evil.example/api/auth/oidc/login', { headers: { host: 'evil.example' } }))
      expect(res.status).toBe(503)
      expect(res.headers.get('location')).toBeNull()
    } finally {
      process.env = saved
    }
  })
})

describe('OIDC sessions', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  beforeAll(async () => {
    store = await testStore('oidc_controls')
  })
  afterAll(async () => store?.drop())

  const oidcUser: Principal = { userId: 'https://idp.example.test#u-42', displayName: 'u42@example', role: 'responder', provider: 'https://idp.example.test' }

  it('last OIDC_SESSION_MINUTES (default 60), not the 8 h of local sessions', async () => {
    const s = oidcSettings(env({}))!
    expect(s.sessionSeconds).toBe(3600)
    const session = (await verifySession(await issueSession(oidcUser, s.sessionSeconds)))!.session!
    expect(session.expiresAtMs - session.issuedAtMs).toBeLessThanOrEqual(3600_000 + 1000)
  })

  it('an admin can disable an OIDC user: the live session ends at once, and re-enabling lets new sign-ins in', async () => {
    const live = (await verifySession(await issueSession(oidcUser, 3600)))!
    expect(await livePrincipal(store, live)).toMatchObject({ userId: oidcUser.userId, role: 'responder' })
    await setOidcUserDisabled(store, oidcUser.userId, true)
    expect(await isOidcUserDisabled(store, oidcUser.userId)).toBe(true)
    expect(await livePrincipal(store, live)).toBeNull()
    await setOidcUserDisabled(store, oidcUser.userId, false)
    expect(await isOidcUserDisabled(store, oidcUser.userId)).toBe(false)
    // The old session stays revoked; a new one (a new sign-in) is accepted.
    expect(await livePrincipal(store, live)).toBeNull()
    await new Promise((r) => setTimeout(r, 5))
    const again = (await verifySession(await issueSession(oidcUser, 3600)))!
    expect(await livePrincipal(store, again)).toMatchObject({ userId: oidcUser.userId })
  })
})
