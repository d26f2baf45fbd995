import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import { enforcersSeen } from '@/lib/queries/enforcers'

export const dynamic = 'force-dynamic'

/** Enforcer replicas seen in the last day: version held, how many versions behind the log, last heard from. */
export const GET = route({ role: 'viewer' }, async () => {
  const { store, service } = await controls()
  const version = service.version
  const enforcers = (await enforcersSeen(store)).map((e) => ({ ...e, lagVersions: Math.max(0, version - e.version) }))
  return { version, enforcers }
})
