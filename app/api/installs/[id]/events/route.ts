import { installEventsQuery, installOfPath } from '@/lib/http/route-queries'
import { route } from '@/lib/runtime/route'
import { installEvents } from '@/lib/queries/install-events'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: installEventsQuery }, async ({ query, params }) => {
  const store = await appStore()
  const { installId, tenantId } = await installOfPath(store, params.id, query.tenant)
  return installEvents(store, query.window, tenantId, installId, query.type, { sort: 'ts', dir: query.dir, offset: query.offset, limit: query.limit })
})
