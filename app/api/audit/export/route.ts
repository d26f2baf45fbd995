import { z } from 'zod'
import { audited, exportAudit, formatCursor, parseCursor, requestIpPrefix } from '@/lib/audit'
import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

const MAX_LIMIT = 10_000

const query = z.object({
  since: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
  after: z
    .string()
    .max(80)
    .transform((s, ctx) => {
      const cursor = parseCursor(s)
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'after must be a cursor from X-Next-After' })
      return cursor ?? z.NEVER
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(MAX_LIMIT),
})

/**
 * Admins only: the audit log as NDJSON, oldest first, from `since` (ms) or
 * after the cursor `after`, at most `limit` entries. When entries were left
 * out the answer says so twice — headers `X-Truncated: true` and
 * `X-Next-After: <cursor>`, and a last line `{"truncated":true,"next":"<url>"}`
 * (the only line without an `id`) — because a browser download shows no
 * headers. Exporting is itself audited, before the log is read; so it is a
 * POST (same-origin checked), never a GET a cross-site link could trigger with
 * the admin's cookie. Continue a truncated export by POSTing the `next` URL.
 */
export const POST = route({ role: 'admin', query }, async ({ req, principal, query }) => {
  const { store } = await controls()
  const asked = { since: query.since ?? null, after: query.after ? formatCursor(query.after) : null, limit: query.limit }
  const page = await audited(
    store,
    {
      actor: principal.userId,
      actorRole: principal.role,
      action: 'audit.export',
      subject: 'audit_log',
      ipPrefix: requestIpPrefix(req),
      after: asked,
    },
    () => exportAudit(store, { sinceMs: query.since, after: query.after, limit: query.limit }),
  )
  const lines = page.entries.map((e) => JSON.stringify({ ...e, at: new Date(e.at).toISOString() }))
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'content-disposition': `attachment; filename="burnrate-audit-${new Date().toISOString().slice(0, 10)}.ndjson"`,
    'x-truncated': page.next ? 'true' : 'false',
  }
  if (page.next) {
    const cursor = formatCursor(page.next)
    const next = `/api/audit/export?after=${encodeURIComponent(cursor)}&limit=${query.limit}`
    headers['x-next-after'] = cursor
    headers.link = `<${next}>; rel="next"`
    lines.push(JSON.stringify({ truncated: true, next }))
  }
  return new Response(lines.length ? `${lines.join('\n')}\n` : '', { headers })
})

/** A GET would write an audit entry on a cross-site navigation: refused, with the method to use. */
export function GET(): Response {
  return Response.json(
    { error: 'the audit export is a POST (it writes an audit entry)' },
    { status: 405, headers: { allow: 'POST', 'cache-control': 'no-store' } },
  )
}
