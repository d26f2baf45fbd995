import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/http/route'
import { promptSizeHistogram } from '@/lib/queries/prompt-size-histogram'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => promptSizeHistogram(await appStore(), query.window))
