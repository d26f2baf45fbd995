import type { DeadLettersResponse } from '@/lib/dashboard/types'
import { deadLettersQuery, deadLettersWindow } from '@/lib/http/route-queries'
import { route } from '@/lib/runtime/route'
import { deadLetterReasons } from '@/lib/queries/dead-letter-reasons'
import { deadLetterSamples } from '@/lib/queries/dead-letter-samples'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: deadLettersQuery }, async ({ query }): Promise<DeadLettersResponse> => {
  const store = await appStore()
  const page = { sort: 'received_at' as const, dir: query.dir, offset: query.offset, limit: query.limit }
  const window = deadLettersWindow(query)
  const [reasons, samples] = await Promise.all([deadLetterReasons(store, window), deadLetterSamples(store, window, query.reason, page)])
  return { ...samples, reasons }
})
