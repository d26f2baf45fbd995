import type { Role } from '../lib/auth/roles'

/** A Next.js route handler as the tests call it: a Request and the route's params. */
export type Handler = (req: Request, seg?: { params?: Promise<Record<string, string>> }) => Promise<Response>

export const ORIGIN = 'http://localhost:3000'

export interface CallOptions {
  role?: Role
  body?: unknown
  headers?: Record<string, string>
  params?: Record<string, string>
}

/**
 * Calls route handlers in-process as a same-origin browser would: mutations
 * carry the Origin header, and `role` sends that role's session cookie from
 * `cookies` (filled by the test once it has signed in).
 */
export function routeCaller(cookies: Partial<Record<Role, string>>) {
  return async function call(handler: Handler, method: string, path: string, opts: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { host: 'localhost:3000', ...opts.headers }
    if (method !== 'GET') headers.origin ??= ORIGIN
    if (opts.role) headers.cookie = cookies[opts.role]!
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    const req = new Request(`${ORIGIN}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
    return handler(req, { params: Promise.resolve(opts.params ?? {}) })
  }
}
