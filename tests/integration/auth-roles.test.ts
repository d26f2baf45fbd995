import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// The route handlers use the process runtime: point it at a fresh chDB directory, no ingest.
const GATEWAY_TOKEN = 'gw-token-0123456789abcdef0123456789'
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-roles-')),
  CLICKHOUSE_DATABASE: `roles_${process.pid}`,
  INGEST_SOURCE: 'none',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_GATEWAY_TOKENS: `edge-1=${GATEWAY_TOKEN}`,
  POLICY_KAFKA: '0',
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<Role, string>> = {}
const call = routeCaller(cookies)

const change = { scope: 'install', subjects: ['i-1'], action: 'revoke', controls: {}, durationMinutes: 30, reason: 'role matrix' }
let routes: Record<string, Record<string, Handler>>

beforeAll(async () => {
  Object.assign(cookies, await signedInCookies(['viewer', 'responder', 'admin']))
  routes = {
    signin: await import('../../app/api/auth/signin/route'),
    signout: await import('../../app/api/auth/signout/route'),
    me: await import('../../app/api/auth/me/route'),
    users: await import('../../app/api/auth/users/route'),
    policy: await import('../../app/api/policy/route'),
    changes: await import('../../app/api/policy/changes/route'),
    dryRun: await import('../../app/api/policy/dry-run/route'),
    undo: await import('../../app/api/policy/undo/route'),
    ack: await import('../../app/api/policy/ack/route'),
    rotate: await import('../../app/api/policy/keys/rotate/route'),
    keys: await import('../../app/api/policy/keys/route'),
    proposal: await import('../../app/api/policy/proposals/[id]/route'),
    snapshot: await import('../../app/api/policy/snapshot/route'),
    jwks: await import('../../app/api/policy/jwks/route'),
    audit: await import('../../app/api/audit/route'),
    exportAudit: await import('../../app/api/audit/export/route'),
  } as unknown as Record<string, Record<string, Handler>>
})

afterAll(async () => {
  const { appStore } = await import('../../lib/runtime/app-runtime')
  await (await appStore()).close().catch(() => {})
})

// Every mutating route, the lowest role it accepts, and a body it would accept from that role.
const MUTATIONS: { name: string; route: string; path: string; min: Role; body?: unknown; params?: Record<string, string> }[] = [
  { name: 'save user', route: 'users', path: '/api/auth/users', min: 'admin', body: { userId: 'fin', role: 'viewer', password: 'finance-password-1' } },
  { name: 'apply change', route: 'changes', path: '/api/policy/changes', min: 'responder', body: change },
  { name: 'dry run', route: 'dryRun', path: '/api/policy/dry-run', min: 'responder', body: change },
  { name: 'undo', route: 'undo', path: '/api/policy/undo', min: 'responder', body: { version: 1, reason: 'role matrix' } },
  { name: 'rotate key', route: 'rotate', path: '/api/policy/keys/rotate', min: 'admin' },
  { name: 'approve', route: 'proposal', path: '/api/policy/proposals/x', min: 'admin', body: { approve: true }, params: { id: 'x' } },
  { name: 'ack', route: 'ack', path: '/api/policy/ack', min: 'admin', body: { gateway_id: 'edge-1', policy_version: 1 } },
]
const RANK: Role[] = ['viewer', 'responder', 'admin']

describe('role matrix', () => {
  for (const m of MUTATIONS) {
    it(`${m.name}: 401 without a session, 403 below ${m.min}, accepted at ${m.min}`, async () => {
      const h = routes[m.route].POST
      expect((await call(h, 'POST', m.path, { body: m.body, params: m.params })).status).toBe(401)
      for (const role of RANK.slice(0, RANK.indexOf(m.min))) {
        expect((await call(h, 'POST', m.path, { role, body: m.body, params: m.params })).status, role).toBe(403)
      }
      expect((await call(h, 'POST', m.path, { role: m.min, body: m.body, params: m.params, headers: { origin: 'https://evil.test' } })).status).toBe(403)
      const ok = await call(h, 'POST', m.path, { role: m.min, body: m.body, params: m.params })
      expect([401, 403]).not.toContain(ok.status)
    })
  }

  it('admin-only reads refuse lower roles; viewers read policy', async () => {
    for (const [r, path] of [
      ['audit', '/api/audit'],
      ['exportAudit', '/api/audit/export'],
      ['users', '/api/auth/users'],
      ['keys', '/api/policy/keys'],
    ] as const) {
      // The export writes an audit entry, so it is a POST (issue 18, I1).
      const [method, h] = r === 'exportAudit' ? ['POST', routes[r].POST] : ['GET', routes[r].GET]
      expect((await call(h, method, path)).status).toBe(401)
      expect((await call(h, method, path, { role: 'responder' })).status).toBe(403)
      expect((await call(h, method, path, { role: 'admin' })).status).toBe(200)
    }
    expect((await call(routes.policy.GET, 'GET', '/api/policy', { role: 'viewer' })).status).toBe(200)
    expect(routes.audit.PUT ?? routes.audit.DELETE ?? routes.audit.POST).toBeUndefined()
  })

  it('gateway tokens read the snapshot and JWKS and nothing else', async () => {
    const bearer = { authorization: `Bearer ${GATEWAY_TOKEN}` }
    expect((await call(routes.snapshot.GET, 'GET', '/api/policy/snapshot', { headers: bearer })).status).toBe(200)
    expect((await call(routes.jwks.GET, 'GET', '/api/policy/jwks', { headers: bearer })).status).toBe(200)
    expect((await call(routes.policy.GET, 'GET', '/api/policy', { headers: bearer })).status).toBe(401)
    expect((await call(routes.changes.POST, 'POST', '/api/policy/changes', { headers: bearer, body: change })).status).toBe(401)
    expect((await call(routes.ack.POST, 'POST', '/api/policy/ack', { headers: bearer, body: { gateway_id: 'edge-1', policy_version: 1 } })).status).toBe(200)
    expect((await call(routes.ack.POST, 'POST', '/api/policy/ack', { headers: bearer, body: { gateway_id: 'edge-2', policy_version: 1 } })).status).toBe(403)
  })

  it('signs in with the bootstrap admin password into an httpOnly SameSite cookie, and audits it', async () => {
    const bad = await call(routes.signin.POST, 'POST', '/api/auth/signin', { body: { username: 'admin', password: 'nope' } })
    expect(bad.status).toBe(401)
    const good = await call(routes.signin.POST, 'POST', '/api/auth/signin', { body: { username: 'admin', password: 'admin-password-for-tests' } })
    expect(good.status).toBe(200)
    expect(good.headers.getSetCookie()[0]).toMatch(/^br_session=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/)
    const cross = await call(routes.signin.POST, 'POST', '/api/auth/signin', {
      body: { username: 'admin', password: 'x' },
      headers: { origin: 'https://evil.test' },
    })
    expect(cross.status).toBe(403)
    const audit = (await (await call(routes.audit.GET, 'GET', '/api/audit?action=auth.', { role: 'admin' })).json()) as {
      entries: { action: string; actor: string }[]
    }
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['auth.signin', 'auth.signin_failed']))
    const exported = await (await call(routes.exportAudit.POST, 'POST', '/api/audit/export', { role: 'admin' })).text()
    expect(
      exported
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).action),
    ).toContain('policy.revoke')
  })

  it('a role-only update keeps a disabled user disabled, and failed sign-ins never log a typed password', async () => {
    const save = (body: unknown) => call(routes.users.POST, 'POST', '/api/auth/users', { role: 'admin', body })
    expect((await save({ userId: 'ex-staff', role: 'viewer', password: 'ex-staff-password-1', disabled: true })).status).toBe(200)
    expect((await save({ userId: 'ex-staff', role: 'responder' })).status).toBe(200)
    const users = (await (await call(routes.users.GET, 'GET', '/api/auth/users', { role: 'admin' })).json()) as {
      users: { userId: string; role: string; disabled: boolean }[]
    }
    expect(users.users.find((u) => u.userId === 'ex-staff')).toMatchObject({ role: 'responder', disabled: true })
    expect((await call(routes.signin.POST, 'POST', '/api/auth/signin', { body: { username: 'ex-staff', password: 'ex-staff-password-1' } })).status).toBe(401)

    expect((await call(routes.signin.POST, 'POST', '/api/auth/signin', { body: { username: 'my secret pw!', password: 'x' } })).status).toBe(401)
    const audit = (await (await call(routes.audit.GET, 'GET', '/api/audit?action=auth.signin_failed', { role: 'admin' })).json()) as {
      entries: { actor: string; subject: string }[]
    }
    expect(audit.entries.map((e) => e.actor)).toEqual(expect.arrayContaining(['ex-staff', '[invalid username, 13 chars]']))
    expect(JSON.stringify(audit)).not.toContain('my secret pw')
  })

  it('sign-out ends the session server-side, and always clears the cookie', async () => {
    const mine = { viewer: (await signedInCookies(['viewer'])).viewer }
    const callMine = routeCaller(mine)
    const signout = routes.signout.POST
    expect((await callMine(signout, 'POST', '/api/auth/signout', { role: 'viewer', headers: { origin: 'https://evil.test' } })).status).toBe(403)
    expect((await callMine(routes.me.GET, 'GET', '/api/auth/me', { role: 'viewer' })).status).toBe(200)
    const out = await callMine(signout, 'POST', '/api/auth/signout', { role: 'viewer' })
    expect(out.status).toBe(200)
    expect(out.headers.get('set-cookie')).toMatch(/^br_session=; .*Max-Age=0/)
    // A browser drops the cookie; a copy of it (another tab, a stolen header) must not work either.
    expect((await callMine(routes.me.GET, 'GET', '/api/auth/me', { role: 'viewer' })).status).toBe(401)
    expect((await call(routes.me.GET, 'GET', '/api/auth/me', { role: 'viewer' })).status).toBe(200)
    // Signing out with an ended session, or none, still clears the cookie.
    for (const role of ['viewer', undefined] as const) {
      const again = await callMine(signout, 'POST', '/api/auth/signout', { role })
      expect(again.status).toBe(200)
      expect(again.headers.get('set-cookie')).toMatch(/^br_session=; .*Max-Age=0/)
    }
    const audit = (await (await call(routes.audit.GET, 'GET', '/api/audit?action=auth.signout', { role: 'admin' })).json()) as { entries: { actor: string }[] }
    expect(audit.entries.map((e) => e.actor)).toContain('viewer-user')
  })

  it('disabling a user or lowering a role takes effect on the sessions already issued', async () => {
    const save = (body: unknown) => call(routes.users.POST, 'POST', '/api/auth/users', { role: 'admin', body })
    const { issueSession, SESSION_COOKIE } = await import('../../lib/auth/session')
    const sessionOf = async (userId: string) =>
      routeCaller({ admin: `${SESSION_COOKIE}=${await issueSession({ userId, displayName: userId, role: 'admin', provider: 'local' })}` })
    expect((await save({ userId: 'oncall-lead', role: 'admin', password: 'oncall-lead-password' })).status).toBe(200)
    const lead = await sessionOf('oncall-lead')
    expect((await lead(routes.audit.GET, 'GET', '/api/audit', { role: 'admin' })).status).toBe(200)
    expect((await save({ userId: 'oncall-lead', role: 'viewer' })).status).toBe(200)
    expect((await lead(routes.audit.GET, 'GET', '/api/audit', { role: 'admin' })).status).toBe(403)
    expect((await lead(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(200)
    expect((await save({ userId: 'oncall-lead', role: 'viewer', disabled: true })).status).toBe(200)
    expect((await lead(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(401)
    // Re-enabling the account does not bring back a session issued before it was disabled.
    expect((await save({ userId: 'oncall-lead', role: 'viewer', disabled: false })).status).toBe(200)
    expect((await lead(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(401)
    const fresh = await sessionOf('oncall-lead')
    expect((await fresh(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(200)
    // A password change ends the sessions issued before it; one issued after it works.
    expect((await save({ userId: 'oncall-lead', role: 'viewer', password: 'a-new-password-for-lead' })).status).toBe(200)
    expect((await fresh(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(401)
    expect((await (await sessionOf('oncall-lead'))(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(200)
    // A session for a local user that does not exist is refused too.
    expect((await (await sessionOf('nobody'))(routes.policy.GET, 'GET', '/api/policy', { role: 'admin' })).status).toBe(401)
  })

  it('never leaves the dashboard without an enabled admin, and refuses a new user without a password', async () => {
    const save = (body: unknown) => call(routes.users.POST, 'POST', '/api/auth/users', { role: 'admin', body })
    const list = async () =>
      (
        (await (await call(routes.users.GET, 'GET', '/api/auth/users', { role: 'admin' })).json()) as {
          users: { userId: string; role: string; disabled: boolean }[]
        }
      ).users
    const noPassword = await save({ userId: 'no-password', role: 'viewer' })
    expect(noPassword.status).toBe(400)
    expect(((await noPassword.json()) as { error: string }).error).toMatch(/password/)
    expect((await list()).map((u) => u.userId)).not.toContain('no-password')
    // Disable every other admin; the last one (whose session this is) can then be neither disabled nor demoted.
    const others = (await list()).filter((u) => u.role === 'admin' && !u.disabled && u.userId !== 'admin-user')
    expect(others.length).toBeGreaterThan(0)
    for (const u of others) expect((await save({ userId: u.userId, role: 'admin', disabled: true })).status).toBe(200)
    for (const change of [{ role: 'viewer' }, { role: 'admin', disabled: true }]) {
      const refused = await save({ userId: 'admin-user', ...change })
      expect(refused.status).toBe(409)
      expect(((await refused.json()) as { error: string }).error).toMatch(/no enabled admin/)
    }
    expect((await list()).find((u) => u.userId === 'admin-user')).toMatchObject({ role: 'admin', disabled: false })
    // Re-enabled, another admin may be demoted again: one enabled admin (this session's) remains.
    expect((await save({ userId: others[0].userId, role: 'admin', disabled: false })).status).toBe(200)
    expect((await save({ userId: others[0].userId, role: 'responder' })).status).toBe(200)
    expect((await list()).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.userId)).toEqual(['admin-user'])
  })

  it('describes the signing keys to admins without key material', async () => {
    const res = await call(routes.keys.GET, 'GET', '/api/policy/keys', { role: 'admin' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { activeKid: string; rotatable: boolean; keys: { kid: string; active: boolean; retiredAt: number | null }[] }
    const jwks = (await (await call(routes.jwks.GET, 'GET', '/api/policy/jwks', { role: 'viewer' })).json()) as { keys: { kid: string }[] }
    expect(body.keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid))
    expect(body.keys.filter((k) => k.active).map((k) => k.kid)).toEqual([body.activeKid])
    expect(body.rotatable).toBe(true)
    expect(JSON.stringify(body)).not.toMatch(/"d"|"x"|privateJwk/)
  })
})

describe('dry run tells a responder what apply would refuse', () => {
  it('a feature rule looser than an admin tenant cap is not allowed in the dry run either', async () => {
    const cap = { scope: 'tenant', subjects: ['dryrun-co'], action: 'quota', controls: { tokensPerMinute: 5_000 }, durationMinutes: null, reason: 'tenant cap' }
    expect((await call(routes.changes.POST, 'POST', '/api/policy/changes', { role: 'admin', body: cap })).status).toBe(200)
    const lift = {
      scope: 'feature',
      subjects: ['dryrun-co/chat'],
      action: 'quota',
      controls: { tokensPerMinute: 1_000_000_000 },
      durationMinutes: 60,
      reason: 'lift',
    }
    const dry = await call(routes.dryRun.POST, 'POST', '/api/policy/dry-run', { role: 'responder', body: lift })
    expect(dry.status).toBe(200)
    const { allowed } = (await dry.json()) as { allowed: { ok: boolean; reason?: string } }
    expect(allowed.ok).toBe(false)
    expect(allowed.reason).toMatch(/broader rule/)
    expect((await call(routes.changes.POST, 'POST', '/api/policy/changes', { role: 'responder', body: lift })).status).toBe(403)
  })
})
