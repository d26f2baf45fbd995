import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { trafficSeries } from '@/lib/queries/traffic-series'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => trafficSeries(await appStore(), query.window))
