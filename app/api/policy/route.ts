import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import { listProposals } from '@/lib/policy/proposals'
import { isActive } from '@/lib/policy/types'

export const dynamic = 'force-dynamic'

/** Current rules (active and expired-but-not-cleared), version, and global changes awaiting a second admin. */
export const GET = route({ role: 'viewer' }, async () => {
  const { store, service, limits } = await controls()
  const { version, rules } = service.current()
  const now = Date.now()
  return {
    version,
    rules: rules.map((r) => ({ ...r, active: isActive(r, now) })).sort((a, b) => b.updatedAt - a.updatedAt),
    proposals: await listProposals(store, { status: 'pending' }),
    limits,
  }
})
