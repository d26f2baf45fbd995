import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { overviewKpis } from '@/lib/queries/overview-kpis'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => overviewKpis(await appStore(), query.window))
