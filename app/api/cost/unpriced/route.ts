import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { unpricedModels } from '@/lib/queries/unpriced-models'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => unpricedModels(await appStore(), query.window))
