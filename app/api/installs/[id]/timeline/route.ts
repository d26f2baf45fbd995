import { installIdSchema, rangeQuery } from '@/lib/dashboard/params'
import { HttpError, route } from '@/lib/runtime/route'
import { installTimeline } from '@/lib/queries/install-timeline'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query, params }) => {
  const id = installIdSchema.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid install id')
  return installTimeline(await appStore(), query.window, id.data)
})
