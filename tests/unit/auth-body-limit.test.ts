import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { signedInCookies } from '../../harness/session-cookies'

process.env.SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789'
// route() checks every session against the store: give it a fresh one, no ingest.
Object.assign(process.env, { DATA_DIR: mkdtempSync(join(tmpdir(), 'br-body-')), CLICKHOUSE_DATABASE: `body_${process.pid}`, INGEST_SOURCE: 'none' })
delete process.env.CLICKHOUSE_URL
const { parseJsonBody, PUBLIC_MAX_BODY_BYTES, readBodyText } = await import('../../lib/auth/public-route')
const { route } = await import('../../lib/runtime/route')

afterAll(async () => {
  const { appStore } = await import('../../lib/runtime/app-runtime')
  await (await appStore()).close().catch(() => {})
})

const CHUNK = 1024

/** An endless chunked upload that counts how much of it was pulled. */
function endless() {
  const stats = { pulled: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      stats.pulled += CHUNK
      c.enqueue(new Uint8Array(CHUNK).fill(0x61))
    },
  })
  return { stream, stats }
}

/** A body that fails the test if anyone starts reading it. */
function untouchable() {
  return new ReadableStream<Uint8Array>({
    pull() {
      throw new Error('body was read')
    },
  })
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('http://localhost:3000/api/x', {
    method: 'POST',
    body,
    headers: { host: 'localhost:3000', origin: 'http://localhost:3000', ...headers },
    duplex: 'half',
  } as RequestInit)

describe('readBodyText', () => {
  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    expect(await readBodyText(post(untouchable(), { 'content-length': String(10 * CHUNK) }), CHUNK)).toBeNull()
  })

  it('stops reading a chunked body once it passes the limit', async () => {
    const { stream, stats } = endless()
    expect(await readBodyText(post(stream), 8 * CHUNK)).toBeNull()
    // The limit plus the chunk that crossed it, and whatever the stream queued ahead: nowhere near "everything".
    expect(stats.pulled).toBeLessThanOrEqual(12 * CHUNK)
  })

  it('counts bytes, not characters, and returns bodies within the limit intact', async () => {
    expect(await readBodyText(post('é'.repeat(600)), CHUNK)).toBeNull() // 600 chars, 1200 bytes
    expect(await readBodyText(post('é'.repeat(500)), CHUNK)).toBe('é'.repeat(500))
    expect(await readBodyText(post('a'.repeat(CHUNK)), CHUNK)).toBe('a'.repeat(CHUNK))
    expect(await readBodyText(new Request('http://x/', { method: 'POST' }), CHUNK)).toBe('')
  })
})

describe('413 before buffering', () => {
  it('parseJsonBody (public routes) answers 413 with the usual error shape', async () => {
    const declared = await parseJsonBody(post(untouchable(), { 'content-length': String(PUBLIC_MAX_BODY_BYTES + 1) }), z.object({}))
    expect(declared.ok).toBe(false)
    if (declared.ok) return
    expect(declared.response.status).toBe(413)
    expect(await declared.response.json()).toEqual({ error: 'request body too large' })
    const { stream, stats } = endless()
    const chunked = await parseJsonBody(post(stream), z.object({}))
    expect(chunked.ok || chunked.response.status).toBe(413)
    expect(stats.pulled).toBeLessThan(PUBLIC_MAX_BODY_BYTES + 8 * CHUNK)
  })

  it('route() answers 413 for a huge chunked or declared body, and still parses normal ones', async () => {
    const cookie = (await signedInCookies(['viewer'])).viewer!
    const handler = route({ role: 'viewer', body: z.object({ a: z.number() }) }, async ({ body }) => ({ got: body.a }))
    const { stream, stats } = endless()
    const chunked = await handler(post(stream, { cookie }))
    expect(chunked.status).toBe(413)
    expect(await chunked.json()).toEqual({ error: 'request body too large' })
    expect(stats.pulled).toBeLessThan(256 * 1024 + 8 * CHUNK)
    expect((await handler(post(untouchable(), { cookie, 'content-length': String(10 * 1024 * 1024) }))).status).toBe(413)
    const ok = await handler(post(JSON.stringify({ a: 1 }), { cookie, 'content-type': 'application/json' }))
    expect(await ok.json()).toEqual({ got: 1 })
  })
})
