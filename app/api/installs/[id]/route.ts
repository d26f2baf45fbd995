import { installIdSchema } from '@/lib/dashboard/params'
import type { InstallProfile } from '@/lib/dashboard/types'
import { HttpError, route } from '@/lib/runtime/route'
import { installProfiles } from '@/lib/queries/install-profiles'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer' }, async ({ params }): Promise<InstallProfile> => {
  const id = installIdSchema.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid install id')
  const [profile] = await installProfiles(await appStore(), [id.data])
  if (!profile) throw new HttpError(404, 'install not found')
  return profile
})
