import { z } from 'zod'
import { rangeParams } from '@/lib/time-range'
import { route } from '@/lib/runtime/route'
import { budgetSummary } from '@/lib/budgets/summary'
import { appStore } from '@/lib/runtime/app-runtime'

/** The budget is per calendar month, so only the tenant filter applies, not the time range. */
const query = z.object({ tenant: rangeParams.tenant })

export const GET = route({ role: 'viewer', query }, async ({ query }) => budgetSummary(await appStore(), query.tenant))
