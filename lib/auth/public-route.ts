import { z } from 'zod'

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
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host')
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

export async function parseJsonBody<T extends z.ZodType>(req: Request, schema: T): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> {
  const text = await req.text()
  if (text.length > 16 * 1024) return { ok: false, response: Response.json({ error: 'request body too large' }, { status: 413 }) }
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
