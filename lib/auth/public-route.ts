import { z } from 'zod'
import { settings } from '../config'

/**
 * The few API routes that must answer before anyone is signed in (password
 * sign-in, OIDC redirect and callback) cannot use route(), which requires a
 * session. They still get the same-origin CSRF check for POSTs (login CSRF)
 * and zod parsing; everything else goes through route().
 */
/**
 * Mutations must come from our own pages: browsers always send Origin on
 * cross-site POSTs, so a mismatch means a forged request (CSRF).
 */
export function sameOriginRequest(req: Request): boolean {
  const origin = req.headers.get('origin')
  if (!origin) return req.headers.get('sec-fetch-site') !== 'cross-site'
  try {
    // Scheme, host and port: http://host must not pass for an https://host deployment.
    return new URL(origin).origin === requestOrigin(req)
  } catch {
    return false
  }
}

/**
 * The origin this request was addressed to: PUBLIC_URL's when set, else the scheme and host a proxy says
 * it received (X-Forwarded-Proto/-Host, which Next.js fills from the socket
 * when no proxy sent them), else the request URL's own.
 */
export function requestOrigin(req: Request, publicUrl = settings(['PUBLIC_URL']).PUBLIC_URL): string {
  if (publicUrl) return new URL(publicUrl).origin
  const url = new URL(req.url)
  const proto = (req.headers.get('x-forwarded-proto') ?? url.protocol.replace(':', '')).split(',')[0].trim()
  const host = (req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? url.host).split(',')[0].trim()
  return new URL(`${proto}://${host}`).origin
}

/** Sign-in bodies are a user name and a password; anything bigger is not a sign-in. */
export const PUBLIC_MAX_BODY_BYTES = 16 * 1024

/**
 * The request body as text, or null when it is larger than maxBytes. Never
 * buffers more than maxBytes (plus one chunk): a declared Content-Length over
 * the limit is refused unread, and a chunked body is counted as it streams and
 * abandoned at the limit, so a huge upload cannot exhaust memory.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string | null> {
  const declared = req.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) return null
  if (!req.body) return ''
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  const all = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  // Same decoding as Request.text(): UTF-8, BOM dropped, bad bytes replaced.
  return new TextDecoder().decode(all)
}

export async function parseJsonBody<T extends z.ZodType>(req: Request, schema: T): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> {
  const text = await readBodyText(req, PUBLIC_MAX_BODY_BYTES)
  if (text === null) return { ok: false, response: Response.json({ error: 'request body too large' }, { status: 413 }) }
  let raw: unknown
  try {
    raw = text ? JSON.parse(text) : {}
  } catch {
    return { ok: false, response: Response.json({ error: 'body is not valid JSON' }, { status: 400 }) }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return { ok: false, response: Response.json({ error: 'invalid body' }, { status: 400 }) }
  return { ok: true, data: parsed.data }
}
