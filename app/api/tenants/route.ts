import type { TenantsResponse } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { tenants } from '@/lib/queries/tenants'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer' }, async (): Promise<TenantsResponse> => ({ tenants: await tenants(await appStore()) }))
