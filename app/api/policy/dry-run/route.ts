import { z } from 'zod'
import { route } from '@/lib/runtime/route'
import { blastRadius } from '@/lib/policy/blast'
import { controls } from '@/lib/runtime/controls'
import { checkChangeAllowed, checkRewriteAllowed } from '@/lib/policy/permissions'
import { planChange, PlanError } from '@/lib/policy/plan'
import { HttpError } from '@/lib/runtime/route'
import { changeRequestSchema } from '@/lib/policy/types'

export const dynamic = 'force-dynamic'

const body = changeRequestSchema.extend({ lookbackHours: z.number().int().min(1).max(24).default(1) })

/**
 * Blast radius of a change before it is applied. A POST because the request
 * can name thousands of installs, but it changes nothing (same-origin still
 * checked by route()). Also says whether this user may apply it as is.
 */
export const POST = route({ role: 'responder', body }, async ({ principal, body }) => {
  const { store, service, limits } = await controls()
  const { lookbackHours, ...req } = body
  const rules = service.rulesMap()
  let writes
  try {
    writes = planChange(rules, req, principal.userId, Date.now())
  } catch (err) {
    if (err instanceof PlanError) throw new HttpError(400, err.message)
    throw err
  }
  let allowed: { ok: boolean; reason?: string } = { ok: true }
  try {
    checkChangeAllowed(principal, req, limits)
    // The same check apply makes: a responder may not lift a broader rule's limits.
    checkRewriteAllowed(principal, writes, limits, rules)
  } catch (err) {
    allowed = { ok: false, reason: (err as Error).message }
  }
  const needsApproval = req.scope === 'global' && limits.secondApprover
  return { radius: await blastRadius(store, req, lookbackHours), rulesWritten: writes.length, confirmCount: new Set(req.subjects).size, allowed, needsApproval }
})
