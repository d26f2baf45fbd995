import { z } from 'zod'
import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import { changeHistory } from '@/lib/policy/history'

export const dynamic = 'force-dynamic'

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })

export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const { store } = await controls()
  return { changes: await changeHistory(store, query.limit) }
})
