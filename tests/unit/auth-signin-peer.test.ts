import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

// The default: no trusted proxy, so X-Forwarded-For is the client's to forge.
process.env.SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789'
process.env.TRUSTED_PROXY_HOPS = '0'
const audit = vi.hoisted(() => [] as { action: string; ipPrefix?: string | null }[])
vi.mock('@/lib/runtime/controls', () => ({ controls: async () => ({ store: {} }) }))
vi.mock('@/lib/audit', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/audit')>()),
  recordAudit: async (_store: unknown, entry: { action: string; ipPrefix?: string | null }) => {
    audit.push(entry)
  },
}))
vi.mock('@/lib/auth/users', () => ({ authenticateLocal: async () => null }))

const { POST } = await import('../../app/api/auth/signin/route')
const { IP_FAILURE_LIMIT } = await import('../../lib/auth/signin-throttle')
const { installPeerStamp, PEER_HEADER } = await import('../../lib/auth/peer-address')

/**
 * A real Node HTTP server in front of the route, as `next start` is: the stamp
 * must take the client from the socket, whatever headers the client sends.
 */
let server: http.Server
let base: string
beforeAll(async () => {
  installPeerStamp()
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const r = await POST(new Request(`http://${req.headers.host}${req.url}`, { method: 'POST', headers, body: Buffer.concat(chunks) }))
    res.writeHead(r.status, { 'content-type': 'application/json' })
    res.end(await r.text())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const signin = (username: string, i: number) =>
  fetch(`${base}/api/auth/signin`, {
    method: 'POST',
    // Each request claims to come from somewhere else; none of it may count.
    headers: { 'content-type': 'application/json', origin: base, 'x-forwarded-for': `198.51.${i % 250}.7`, [PEER_HEADER]: `203.0.${i % 250}.9` },
    body: JSON.stringify({ username, password: 'guess' }),
  })

describe('sign-in throttle without a trusted proxy (F1)', () => {
  it(`limits one client socket to ${IP_FAILURE_LIMIT} failures across random user names, forged headers notwithstanding`, async () => {
    for (let i = 0; i < IP_FAILURE_LIMIT; i++) expect((await signin(`random-${i}`, i)).status).toBe(401)
    const res = await signin('random-last', 999)
    expect(res.status).toBe(429)
    // The audit log records the socket's prefix, not the forged ones.
    expect(new Set(audit.map((a) => a.ipPrefix))).toEqual(new Set(['127.0.0.0/24']))
  })
})
