import { z } from 'zod'
import { installIdSchema, pageFields, rangeQuery } from '@/lib/dashboard/params'
import { HttpError, route } from '@/lib/runtime/route'
import { INSTALL_EVENT_TYPES, installEvents } from '@/lib/queries/install-events'
import { installProfiles } from '@/lib/queries/install-profiles'
import { appStore } from '@/lib/runtime/app-runtime'

const query = rangeQuery({ type: z.enum(INSTALL_EVENT_TYPES).default('all'), ...pageFields(['ts'] as const, 'ts', 50) })

export const GET = route({ role: 'viewer', query }, async ({ query, params }) => {
  const id = installIdSchema.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid install id')
  const store = await appStore()
  // The raw table is keyed by (tenant_id, install_id): look the tenant up so the read stays on the key.
  const [profile] = await installProfiles(store, [id.data], query.tenant)
  if (!profile) throw new HttpError(404, 'install not found')
  return installEvents(store, query.window, profile.tenant_id, id.data, query.type, { sort: 'ts', dir: query.dir, offset: query.offset, limit: query.limit })
})
