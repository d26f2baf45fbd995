import { route } from '@/lib/runtime/route'
import { controls } from '@/lib/runtime/controls'
import type { KeyRingView } from '@/lib/policy/keys'

export const dynamic = 'force-dynamic'

/** The signing keys as admins manage them: ids, ages, which one signs, until when the others verify. No key material. */
export const GET = route({ role: 'admin' }, async (): Promise<KeyRingView> => {
  const { ring } = await controls()
  return ring.describe()
})
