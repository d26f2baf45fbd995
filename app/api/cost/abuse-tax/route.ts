import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { abuseTax } from '@/lib/queries/abuse-tax'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => abuseTax(await appStore(), query.window))
