import { z } from 'zod'
import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import { snapshotResponse } from '@/lib/policy/snapshot'

export const dynamic = 'force-dynamic'

/** Beyond this many versions behind, a gateway gets the full snapshot instead of a delta. */
const MAX_DELTA_VERSIONS = 200

const query = z.object({ since: z.coerce.number().int().min(0).optional() })

/**
 * Signed policy for polling gateways (session or gateway Bearer token).
 * `?since=N` returns only what changed after version N; If-None-Match with
 * the last ETag returns 304 when nothing changed.
 */
export const GET = route({ role: 'viewer', query }, async ({ req, query }) => {
  const { store, service, ring } = await controls()
  await service.ready()
  // A delta reads every change after `since` from the log; `?since=0` would read
  // all of it. Far behind, the full snapshot (held in memory) is cheaper and
  // says the same (issue 18, F11).
  const since = query.since !== undefined && service.version - query.since > MAX_DELTA_VERSIONS ? undefined : query.since
  return snapshotResponse(store, service, ring, since, req.headers.get('if-none-match'))
})
