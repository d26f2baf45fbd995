import { z } from 'zod'
import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import type { DeadLettersResponse } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { deadLetterReasons } from '@/lib/queries/dead-letter-reasons'
import { deadLetterSamples } from '@/lib/queries/dead-letter-samples'
import { appStore } from '@/lib/runtime/app-runtime'

const query = rangeQuery({
  reason: z
    .string()
    .max(64)
    .regex(/^[a-z0-9_]*$/)
    .default(''),
  ...pageFields(['received_at'] as const, 'received_at', 20),
})

export const GET = route({ role: 'viewer', query }, async ({ query }): Promise<DeadLettersResponse> => {
  const store = await appStore()
  const page = { sort: 'received_at' as const, dir: query.dir, offset: query.offset, limit: query.limit }
  // Charts stop at the last full minute; a dead letter from ten seconds ago must still show.
  const window = query.range === 'custom' ? query.window : { ...query.window, toMs: Date.now() + 1_000 }
  const [reasons, samples] = await Promise.all([deadLetterReasons(store, window), deadLetterSamples(store, window, query.reason, page)])
  return { ...samples, reasons }
})
