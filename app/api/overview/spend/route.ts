import { z } from 'zod'
import { rangeQuery } from '@/lib/dashboard/params'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { spendSeries } from '@/lib/queries/spend-series'
import { appStore } from '@/lib/runtime/app-runtime'

const query = rangeQuery({ by: z.enum(COST_DIMENSIONS).default('feature') })

export const GET = route({ role: 'viewer', query }, async ({ query }) => spendSeries(await appStore(), query.window, query.by))
