import { z } from 'zod'
import { installIdSchema } from '@/lib/dashboard/params'
import type { InstallProfilesResponse } from '@/lib/dashboard/types'
import { rangeParams } from '@/lib/time-range'
import { route } from '@/lib/runtime/route'
import { installProfiles } from '@/lib/queries/install-profiles'
import { appStore } from '@/lib/runtime/app-runtime'

/** Farm clusters list at most 500 members; that is also the cap here. */
const query = z.object({
  ids: z
    .string()
    .max(40_000)
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(installIdSchema).max(500)),
  tenant: rangeParams.tenant,
})

export const GET = route({ role: 'viewer', query }, async ({ query }): Promise<InstallProfilesResponse> => ({
  profiles: await installProfiles(await appStore(), query.ids, query.tenant),
}))
