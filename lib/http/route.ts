import { z } from 'zod'
import { readBodyText, sameOriginRequest } from '../auth/public-route'
import { getPrincipal } from '../auth/session'
import { livePrincipal } from '../auth/session-live'
import type { Store } from '../clickhouse/client'
import { hasRole, type Principal, type Role } from '../auth/roles'
import { HttpError } from '../errors'
import { chargeExpensiveRead } from './expensive-reads'

export { HttpError }

export interface RouteContext<Q, B> {
  req: Request
  principal: Principal
  query: Q
  body: B
  params: Record<string, string>
}

interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  role: Role
  query?: Q
  body?: B
  /** Charged to the caller's budget of expensive reads (expensive-reads.ts) once its input is valid: whole-table CSV exports. */
  expensive?: true
}

const MAX_BODY_BYTES = 256 * 1024

function json(data: unknown, status = 200, headers?: HeadersInit) {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store', ...headers } })
}

function zodDetails(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
}

/**
 * Route handler shape used by every API route: check the session and role,
 * parse query and body with zod, run, and answer JSON. Errors become
 * `{ error, details? }` with a 4xx/5xx status; internal messages are not leaked.
 * The store that live sessions are checked against is injected (lib/runtime/route.ts
 * binds the app's store), so this layer does not import the module that boots everything.
 */
export function createRoute(getStore: () => Promise<Store>) {
  return function route<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<Q, B>,
    handler: (ctx: RouteContext<z.infer<Q>, z.infer<B>>) => Promise<unknown>,
  ) {
    return routeHandler(getStore, spec, handler)
  }
}

function routeHandler<Q extends z.ZodType, B extends z.ZodType>(
  getStore: () => Promise<Store>,
  spec: RouteSpec<Q, B>,
  handler: (ctx: RouteContext<z.infer<Q>, z.infer<B>>) => Promise<unknown>,
) {
  return async (req: Request, segment?: { params?: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const claimed = await getPrincipal(req)
      const principal = claimed?.session ? await livePrincipal(await getStore(), claimed) : claimed
      if (!principal) return json({ error: 'sign in required' }, 401)
      if (!hasRole(principal.role, spec.role)) return json({ error: `requires role ${spec.role}` }, 403)
      const mutating = req.method !== 'GET' && req.method !== 'HEAD'
      if (mutating && !sameOriginRequest(req)) return json({ error: 'cross-site request refused' }, 403)
      const url = new URL(req.url)
      let query: unknown = undefined
      if (spec.query) {
        const parsed = spec.query.safeParse(Object.fromEntries(url.searchParams))
        if (!parsed.success) return json({ error: 'invalid query parameters', details: zodDetails(parsed.error) }, 400)
        query = parsed.data
      }
      let body: unknown = undefined
      if (spec.body) {
        const text = await readBodyText(req, MAX_BODY_BYTES)
        if (text === null) return json({ error: 'request body too large' }, 413)
        let raw: unknown
        try {
          raw = text ? JSON.parse(text) : {}
        } catch {
          return json({ error: 'body is not valid JSON' }, 400)
        }
        const parsed = spec.body.safeParse(raw)
        if (!parsed.success) return json({ error: 'invalid body', details: zodDetails(parsed.error) }, 400)
        body = parsed.data
      }
      if (spec.expensive) chargeExpensiveRead(principal)
      const params = (await segment?.params) ?? {}
      const result = await handler({ req, principal, query: query as z.infer<Q>, body: body as z.infer<B>, params })
      return result instanceof Response ? result : json(result)
    } catch (err) {
      if (err instanceof HttpError) {
        const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds
        return json(
          { error: err.message, details: err.details },
          err.status,
          typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : undefined,
        )
      }
      console.error(`[api] ${req.method} ${new URL(req.url).pathname}: ${err instanceof Error ? err.message : err}`)
      return json({ error: 'internal error; see server log' }, 500)
    }
  }
}
