import { rangeQuery } from '@/lib/dashboard/params'
import { route } from '@/lib/runtime/route'
import { attestationSeries } from '@/lib/queries/attestation-series'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }) => attestationSeries(await appStore(), query.window))
