import { z } from 'zod'
import { route } from '@/lib/http/route'
import { controls } from '@/lib/policy/controls'
import { snapshotResponse } from '@/lib/policy/snapshot'

export const dynamic = 'force-dynamic'

const query = z.object({ since: z.coerce.number().int().min(0).optional() })

/**
 * Signed policy for polling gateways (session or gateway Bearer token).
 * `?since=N` returns only what changed after version N; If-None-Match with
 * the last ETag returns 304 when nothing changed.
 */
export const GET = route({ role: 'viewer', query }, async ({ req, query }) => {
  const { store, service, ring } = await controls()
  return snapshotResponse(store, service, ring, query.since, req.headers.get('if-none-match'))
})
