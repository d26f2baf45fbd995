import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { SPENDER_SORTS, topSpenders } from '@/lib/queries/top-spenders'
import { appStore } from '@/lib/runtime/app-runtime'

const query = rangeQuery(pageFields(SPENDER_SORTS, 'cost_micros', 10))

export const GET = route({ role: 'viewer', query }, async ({ query }) =>
  topSpenders(await appStore(), query.window, { sort: query.sort, dir: query.dir, offset: query.offset, limit: query.limit }),
)
