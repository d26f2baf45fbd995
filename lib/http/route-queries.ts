import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { HttpError } from '../errors'
import { INSTALL_EVENT_TYPES } from '../queries/install-events'
import { installProfiles } from '../queries/install-profiles'
import { installIdSchema, pageFields, rangeQuery } from '../dashboard/params'

/**
 * Query schemas a table's page route and its CSV export share, so the export
 * takes exactly the parameters the table was drawn with (the export ignores
 * offset and limit: it is every row).
 */

export const deadLettersQuery = rangeQuery({
  reason: z
    .string()
    .max(64)
    .regex(/^[a-z0-9_]*$/)
    .default(''),
  ...pageFields(['received_at'] as const, 'received_at', 20),
})

/** Charts stop at the last full minute; a dead letter from ten seconds ago must still show (and export). */
export function deadLettersWindow(q: z.infer<typeof deadLettersQuery>, now = Date.now()) {
  return q.range === 'custom' ? q.window : { ...q.window, toMs: now + 1_000 }
}

export const installEventsQuery = rangeQuery({ type: z.enum(INSTALL_EVENT_TYPES).default('all'), ...pageFields(['ts'] as const, 'ts', 50) })

/**
 * The install of a path's `[id]` and its tenant: 400 for an id the contract cannot hold, 404 for none (in the
 * tenant filter). The raw table is keyed by (tenant_id, install_id), so event reads need the tenant to stay on the key.
 */
export async function installOfPath(store: Store, rawId: string | undefined, tenant: string): Promise<{ installId: string; tenantId: string }> {
  const id = installIdSchema.safeParse(rawId)
  if (!id.success) throw new HttpError(400, 'invalid install id')
  const [profile] = await installProfiles(store, [id.data], tenant)
  if (!profile) throw new HttpError(404, 'install not found')
  return { installId: id.data, tenantId: profile.tenant_id }
}
