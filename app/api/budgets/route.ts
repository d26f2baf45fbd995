import { requestIpPrefix } from '@/lib/audit'
import { deleteBudget, saveBudget } from '@/lib/budgets/api'
import { budgetInput, budgetScope, listBudgets } from '@/lib/budgets/store'
import { HttpError, route } from '@/lib/runtime/route'
import { tenants } from '@/lib/queries/tenants'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/budgets → every budget in force (set in the app or seeded from BUDGETS_JSON). */
export const GET = route({ role: 'viewer' }, async () => {
  const store = await appStore()
  return { budgets: await listBudgets(store, await tenants(store)) }
})

/** PUT /api/budgets {tenant_id, feature?, monthly_micros, thresholds?, basis?}: finance and admin; audited with before and after. */
export const PUT = route({ role: 'finance', body: budgetInput }, async ({ req, principal, body }) => {
  const budget = await saveBudget(await appStore(), body, { actor: principal.userId, actorRole: principal.role, ipPrefix: requestIpPrefix(req) })
  return { budget }
})

/** DELETE /api/budgets {tenant_id, feature?}: finance and admin; audited. */
export const DELETE = route({ role: 'finance', body: budgetScope }, async ({ req, principal, body }) => {
  const deleted = await deleteBudget(await appStore(), body, { actor: principal.userId, actorRole: principal.role, ipPrefix: requestIpPrefix(req) })
  if (!deleted) throw new HttpError(404, 'no budget for that scope')
  return { deleted: true }
})
