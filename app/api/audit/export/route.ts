import { z } from 'zod'
import { listAudit, recordAudit, requestIpPrefix } from '@/lib/audit'
import { route } from '@/lib/http/route'
import { controls } from '@/lib/policy/controls'

export const dynamic = 'force-dynamic'

const query = z.object({ since: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(10_000) })

/** Admins only: the audit log as NDJSON, oldest first. Exporting is itself audited. */
export const GET = route({ role: 'admin', query }, async ({ req, principal, query }) => {
  const { store } = await controls()
  const entries = (await listAudit(store, { sinceMs: query.since, limit: query.limit })).reverse()
  await recordAudit(store, { actor: principal.userId, actorRole: principal.role, action: 'audit.export', subject: `${entries.length} entries`, ipPrefix: requestIpPrefix(req) })
  const body = entries.map((e) => JSON.stringify({ ...e, at: new Date(e.at).toISOString() })).join('\n') + '\n'
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store',
      'content-disposition': `attachment; filename="burnrate-audit-${new Date().toISOString().slice(0, 10)}.ndjson"`,
    },
  })
})
