import { z } from 'zod'
import { rangeQuery } from '@/lib/dashboard/params'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { HttpError, route } from '@/lib/runtime/route'
import { spendSeries } from '@/lib/queries/spend-series'
import { UNIT_METRICS, perInstallStep, unitCostSeries } from '@/lib/queries/unit-cost-series'
import { appStore } from '@/lib/runtime/app-runtime'

const GRANULARITY_S = { auto: 0, hour: 3600, day: 86_400 } as const
/** Hourly bars over a quarter would be 2,000+ bars; cap what one chart may ask for. */
const MAX_BUCKETS = 1_000

const query = rangeQuery({
  by: z.enum(COST_DIMENSIONS).default('feature'),
  granularity: z.enum(['auto', 'hour', 'day']).default('auto'),
  /** spend (stacked) or a unit cost: per request, per 1k tokens, per active install. */
  metric: z.enum(['spend', ...UNIT_METRICS]).default('spend'),
})

export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const stepS = GRANULARITY_S[query.granularity] || (query.metric === 'per_install' ? perInstallStep(query.window) : query.window.stepS)
  const window = { ...query.window, stepS }
  if ((window.toMs - window.fromMs) / 1000 / stepS > MAX_BUCKETS) throw new HttpError(400, `too many ${query.granularity} buckets; pick a coarser granularity`)
  const store = await appStore()
  return query.metric === 'spend' ? spendSeries(store, window, query.by) : unitCostSeries(store, window, query.by, query.metric)
})
