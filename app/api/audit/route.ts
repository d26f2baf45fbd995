import { z } from 'zod'
import { listAudit } from '@/lib/audit'
import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

const query = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  before: z.coerce.number().int().min(0).optional(),
  action: z.string().max(64).optional(),
  actor: z.string().max(200).optional(),
})

/** Admins only: read the audit log. There is deliberately no route that edits or deletes it. */
export const GET = route({ role: 'admin', query }, async ({ query }) => {
  const { store } = await controls()
  return { entries: await listAudit(store, { limit: query.limit, beforeMs: query.before, action: query.action, actor: query.actor }) }
})
