import { z } from 'zod'
import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { COST_SORTS, costBreakdown } from '@/lib/queries/cost-breakdown'
import { appStore } from '@/lib/runtime/app-runtime'

const query = rangeQuery({ by: z.enum(COST_DIMENSIONS).default('feature'), ...pageFields(COST_SORTS, 'cost_micros', 25) })

export const GET = route({ role: 'viewer', query }, async ({ query }) =>
  costBreakdown(await appStore(), query.window, query.by, { sort: query.sort, dir: query.dir, offset: query.offset, limit: query.limit }),
)
