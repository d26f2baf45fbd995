import { beforeEach, describe, expect, it, vi } from 'vitest'
import { SlidingWindowLimiter } from '../../lib/auth/signin-throttle'

describe('SlidingWindowLimiter', () => {
  const opts = { limit: 3, windowMs: 60_000, maxKeys: 100 }

  it('allows `limit` attempts per window, then says when the oldest one expires', () => {
    const l = new SlidingWindowLimiter(opts)
    for (const t of [0, 10_000, 20_000]) {
      expect(l.check('k', t).ok).toBe(true)
      l.hit('k', t)
    }
    expect(l.check('k', 30_000)).toEqual({ ok: false, retryAfterSeconds: 30 })
    // Sliding, not fixed: at 60.001 s the first hit has left the window, the other two have not.
    expect(l.check('k', 60_001).ok).toBe(true)
    l.hit('k', 60_001)
    expect(l.check('k', 60_002)).toEqual({ ok: false, retryAfterSeconds: 10 })
  })

  it('keys are independent; reset and undo give attempts back', () => {
    const l = new SlidingWindowLimiter(opts)
    for (let i = 0; i < 3; i++) l.hit('a', 0)
    expect(l.check('a', 1).ok).toBe(false)
    expect(l.check('b', 1).ok).toBe(true)
    l.undo('a')
    expect(l.check('a', 1).ok).toBe(true)
    l.reset('a')
    expect(l.size).toBe(0)
  })

  it('stays bounded: at most maxKeys keys and `limit` timestamps per key, oldest evicted first', () => {
    const l = new SlidingWindowLimiter({ limit: 3, windowMs: 60_000, maxKeys: 5 })
    for (let i = 0; i < 1000; i++) l.hit(`k${i}`, i)
    expect(l.size).toBe(5)
    for (let i = 0; i < 1000; i++) l.hit('hot', 2000 + i)
    expect(l.size).toBe(5)
    expect(l.check('hot', 3000).ok).toBe(false)
    // The oldest keys went first; the most recently touched survive.
    expect(l.check('k0', 3000).ok).toBe(true)
    expect((l as unknown as { hits: Map<string, number[]> }).hits.get('hot')).toHaveLength(3)
    expect([...(l as unknown as { hits: Map<string, number[]> }).hits.keys()]).toEqual(['k996', 'k997', 'k998', 'k999', 'hot'])
  })

  it('a touched key moves to the back of the eviction queue', () => {
    const l = new SlidingWindowLimiter({ limit: 3, windowMs: 60_000, maxKeys: 2 })
    l.hit('admin', 0)
    l.hit('x', 1)
    l.hit('admin', 2)
    l.hit('y', 3)
    expect(l.check('admin', 4).ok).toBe(true)
    expect([...(l as unknown as { hits: Map<string, number[]> }).hits.keys()]).toEqual(['admin', 'y'])
  })
})

// Route level: the store, the password check and the audit log are stubbed; the throttle is real.
process.env.SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789'
// One trusted proxy: the last X-Forwarded-For entry is the client.
process.env.TRUSTED_PROXY_HOPS = '1'
const audit = vi.hoisted(() => [] as { actor: string; action: string; subject: string }[])
vi.mock('@/lib/runtime/controls', () => ({ controls: async () => ({ store: {} }) }))
vi.mock('@/lib/audit', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/audit')>()),
  recordAudit: async (_store: unknown, entry: { actor: string; action: string; subject: string }) => {
    audit.push(entry)
  },
}))
// `hold` lets a test keep password checks in flight, as a slow scrypt would.
const hold = vi.hoisted(() => ({ gate: null as Promise<void> | null }))
vi.mock('@/lib/auth/users', () => ({
  authenticateLocal: async (_store: unknown, user: string, password: string) => {
    if (hold.gate) await hold.gate
    return user === 'admin' && password === 'right-password' ? { userId: 'admin', displayName: 'Admin', role: 'admin', provider: 'local' } : null
  },
}))

const { POST } = await import('../../app/api/auth/signin/route')
const { signinLimiters, USER_FAILURE_LIMIT, IP_FAILURE_LIMIT, DEVICE_FAILURE_LIMIT } = await import('../../lib/auth/signin-throttle')
const { signinHashGate } = await import('../../lib/auth/hash-gate')

function signin(username: string, password: string, ip?: string, cookie?: string) {
  const headers: Record<string, string> = { host: 'localhost:3000', origin: 'http://localhost:3000', 'content-type': 'application/json' }
  if (ip) headers['x-forwarded-for'] = ip
  if (cookie) headers.cookie = cookie
  return POST(new Request('http://localhost:3000/api/auth/signin', { method: 'POST', headers, body: JSON.stringify({ username, password }) }))
}

describe('POST /api/auth/signin throttling', () => {
  beforeEach(() => {
    signinLimiters().byUser.clear()
    signinLimiters().byIp.clear()
    signinLimiters().byDevice.clear()
    audit.length = 0
  })

  it(`answers 429 with Retry-After after ${USER_FAILURE_LIMIT} failures for one user name, even from many addresses`, async () => {
    for (let i = 0; i < USER_FAILURE_LIMIT; i++) expect((await signin('admin', 'guess', `198.51.${i}.1`)).status).toBe(401)
    const blocked = await signin('admin', 'right-password', '203.0.113.9')
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60)
    expect(((await blocked.json()) as { error: string }).error).toMatch(/too many sign-in attempts/)
    // Other accounts are unaffected.
    expect((await signin('alice', 'guess', '203.0.113.9')).status).toBe(401)
  })

  it(`limits one address to ${IP_FAILURE_LIMIT} failures across user names`, async () => {
    for (let i = 0; i < IP_FAILURE_LIMIT; i++) expect((await signin(`user${i}`, 'guess', '192.0.2.7')).status).toBe(401)
    expect((await signin('admin', 'right-password', '192.0.2.8')).status).toBe(429) // same /24
    expect((await signin('admin', 'right-password', '198.51.100.1')).status).toBe(200)
  })

  it('without a known client address only the per-name limit applies (no shared bucket to fill)', async () => {
    for (let i = 0; i < IP_FAILURE_LIMIT + 5; i++) expect((await signin(`user${i}`, 'guess')).status).toBe(401)
    expect((await signin('admin', 'right-password')).status).toBe(200)
  })

  it('a successful sign-in clears the user name count', async () => {
    for (let i = 0; i < USER_FAILURE_LIMIT - 1; i++) await signin('admin', 'guess', '192.0.2.1')
    expect((await signin('admin', 'right-password', '192.0.2.1')).status).toBe(200)
    for (let i = 0; i < USER_FAILURE_LIMIT - 1; i++) expect((await signin('admin', 'guess', '192.0.2.1')).status).toBe(401)
    expect((await signin('admin', 'right-password', '192.0.2.1')).status).toBe(200)
  })

  it('concurrent guesses cannot overrun the budget while the hash runs', async () => {
    const all = await Promise.all(Array.from({ length: 25 }, () => signin('admin', 'guess', '192.0.2.1')))
    const statuses = all.map((r) => r.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(USER_FAILURE_LIMIT)
    expect(statuses.filter((s) => s === 429)).toHaveLength(25 - USER_FAILURE_LIMIT)
  })
})

describe('failed sign-in audit entries', () => {
  beforeEach(() => {
    signinLimiters().byUser.clear()
    signinLimiters().byIp.clear()
    signinLimiters().byDevice.clear()
    audit.length = 0
  })

  it('keep a plausible user name as typed', async () => {
    await signin('mallory.x@corp', 'guess')
    expect(audit).toEqual([expect.objectContaining({ action: 'auth.signin_failed', actor: 'mallory.x@corp', subject: 'mallory.x@corp' })])
  })

  it('never store something that cannot be a user name, such as a password typed into the wrong field', async () => {
    for (const typed of ['hunter2 correct horse', 'Tr0ub4dor&3', 'x'.repeat(65), 'pässwörd']) {
      audit.length = 0
      await signin(typed, 'guess')
      expect(audit).toHaveLength(1)
      expect(audit[0].actor).toBe(`[invalid username, ${Array.from(typed).length} chars]`)
      expect(audit[0].subject).toBe(audit[0].actor)
      expect(JSON.stringify(audit)).not.toContain(typed)
    }
  })
})

/** The `br_device=...` pair a successful sign-in sets. */
function deviceCookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('br_device='))
  expect(set).toBeDefined()
  expect(set).toMatch(/HttpOnly/)
  expect(set).toMatch(/SameSite=Strict/)
  expect(set).toMatch(/Path=\/api\/auth\/signin/)
  return set!.split(';')[0]
}

describe('a known browser is not locked out by strangers (F2)', () => {
  beforeEach(() => {
    for (const l of Object.values(signinLimiters())) l.clear()
  })

  it('the right password from a browser that signed in before passes a name locked by someone else', async () => {
    const device = deviceCookieOf(await signin('admin', 'right-password', '192.0.2.1'))
    // An attacker elsewhere burns the name's budget.
    for (let i = 0; i < USER_FAILURE_LIMIT; i++) expect((await signin('admin', 'guess', `198.51.${i}.1`)).status).toBe(401)
    expect((await signin('admin', 'right-password', '203.0.113.9')).status).toBe(429)
    const res = await signin('admin', 'right-password', '192.0.2.1', device)
    expect(res.status).toBe(200)
    // The browser keeps its id, so its budget follows it.
    expect(deviceCookieOf(res)).toBeDefined()
  })

  it('a device cookie is not a free pass: it has its own failure budget and is bound to its user name', async () => {
    const device = deviceCookieOf(await signin('admin', 'right-password', '192.0.2.1'))
    for (let i = 0; i < DEVICE_FAILURE_LIMIT; i++) expect((await signin('admin', 'guess', '192.0.2.1', device)).status).toBe(401)
    expect((await signin('admin', 'right-password', '192.0.2.1', device)).status).toBe(429)
    // For another name the cookie means nothing: that name's own budget applies.
    for (let i = 0; i < USER_FAILURE_LIMIT; i++) await signin('alice', 'guess', `198.51.${i}.1`)
    expect((await signin('alice', 'guess', '192.0.2.1', device)).status).toBe(429)
  })

  it('a forged or foreign device cookie counts as none', async () => {
    for (let i = 0; i < USER_FAILURE_LIMIT; i++) await signin('admin', 'guess', `198.51.${i}.1`)
    expect((await signin('admin', 'right-password', '192.0.2.1', 'br_device=eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.')).status).toBe(429)
  })
})

describe('concurrent password hashing is capped (F1)', () => {
  beforeEach(() => {
    for (const l of Object.values(signinLimiters())) l.clear()
  })

  it('at most maxActive hashes run and maxQueued wait; the rest get 503 without hashing', async () => {
    const gate = signinHashGate()
    let release!: () => void
    hold.gate = new Promise<void>((r) => {
      release = r
    })
    const total = gate.maxActive + gate.maxQueued + 5
    // Distinct names and addresses: no throttle applies, only the gate.
    const pending = Array.from({ length: total }, (_, i) => signin(`user${i}`, 'guess', `10.${i}.0.1`))
    await vi.waitFor(() => expect(gate.load).toEqual({ active: gate.maxActive, queued: gate.maxQueued }))
    release()
    hold.gate = null
    const statuses = (await Promise.all(pending)).map((r) => r.status)
    expect(statuses.filter((s) => s === 503)).toHaveLength(5)
    expect(statuses.filter((s) => s === 401)).toHaveLength(gate.maxActive + gate.maxQueued)
    expect(gate.load).toEqual({ active: 0, queued: 0 })
  })
})
