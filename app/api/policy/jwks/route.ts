import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'

export const dynamic = 'force-dynamic'

/** Public keys that verify policy snapshots and topic records (active + rotated-out within grace). */
export const GET = route({ role: 'viewer' }, async () => {
  const { ring } = await controls()
  return Response.json(ring.jwks(), { headers: { 'cache-control': 'max-age=300' } })
})
