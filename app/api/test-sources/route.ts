import { requestIpPrefix } from '@/lib/audit'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'
import { declareTestSource, removeTestSource } from '@/lib/test-sources/api'
import { listTestSources, testSourceInput, testSourceKey } from '@/lib/test-sources/store'
import type { TestSourcesResponse } from '@/lib/test-sources/types'

/** GET /api/test-sources → the declarations of test traffic in force. */
export const GET = route({ role: 'viewer' }, async (): Promise<TestSourcesResponse> => {
  return { sources: await listTestSources(await appStore()) }
})

/** PUT /api/test-sources {tenant_id, kind, value, note, days}: admins; declares or renews one source; audited with before and after. */
export const PUT = route({ role: 'admin', body: testSourceInput }, async ({ req, principal, body }) => {
  const source = await declareTestSource(await appStore(), body, { actor: principal.userId, actorRole: principal.role, ipPrefix: requestIpPrefix(req) })
  return { source }
})

/** DELETE /api/test-sources {tenant_id, kind, value}: admins; ends a declaration; audited. */
export const DELETE = route({ role: 'admin', body: testSourceKey }, async ({ req, principal, body }) => {
  const removed = await removeTestSource(await appStore(), body, { actor: principal.userId, actorRole: principal.role, ipPrefix: requestIpPrefix(req) })
  if (!removed) throw new HttpError(404, 'no declaration in force for that source')
  return { removed: true }
})
