import { rangeQuery } from '@/lib/dashboard/params'
import { chargeExpensiveRead, CHEAP_RANGE_MS } from '@/lib/http/expensive-reads'
import { route } from '@/lib/runtime/route'
import { promptSizeHistogram } from '@/lib/queries/prompt-size-histogram'
import { appStore } from '@/lib/runtime/app-runtime'

/** Long ranges scan weeks of raw events: charged to the user's expensive-read budget (issue 18, F11). */
export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ principal, query }) => {
  if (query.window.toMs - query.window.fromMs > CHEAP_RANGE_MS) chargeExpensiveRead(principal)
  return promptSizeHistogram(await appStore(), query.window)
})
