import type { Store } from '../clickhouse/client'
import { audited } from '../audit/audited'
import type { Principal } from '../auth/roles'
import { HttpError } from '../errors'
import { readChanges } from './log-store'
import { checkChangeAllowed, checkConfirmation, checkRewriteAllowed, type PolicyLimits } from './permissions'
import { planChange, planUndo, PlanConflict, PlanError } from './plan'
import { createProposal, decideProposal, listProposals, newProposal, type Proposal } from './proposals'
import { NothingToChange, type PolicyService } from './service'
import type { ChangeRequest, PolicyChange, RuleChange } from './types'

export interface ApplyDeps {
  store: Store
  service: PolicyService
  limits: PolicyLimits
}

export type ApplyResult = { status: 'applied'; change: PolicyChange } | { status: 'pending'; proposal: Proposal }

const auditRules = (rules: RuleChange[]) => ({
  before: rules.map((r) => ({ key: r.key, rule: r.before })),
  after: rules.map((r) => ({ key: r.key, rule: r.after })),
})

async function commitChecked(deps: ApplyDeps, p: Principal, req: ChangeRequest, ip: string | null, approvedBy = ''): Promise<PolicyChange> {
  try {
    return await deps.service.commit({
      author: p.userId,
      approvedBy,
      reason: req.reason,
      action: req.action,
      plan: (rules, now) => {
        const writes = planChange(rules, req, p.userId, now)
        checkRewriteAllowed(p, writes, deps.limits, rules, now)
        return writes
      },
      audit: (change) => ({
        actor: p.userId,
        actorRole: p.role,
        action: `policy.${req.action}`,
        ipPrefix: ip,
        ...auditRules(change.rules),
        subject: `v${change.version} ${req.scope}:${req.subjects.length === 1 ? req.subjects[0] : `${req.subjects.length} subjects`}`,
      }),
    })
  } catch (err) {
    throw planHttpError(err)
  }
}

function planHttpError(err: unknown): unknown {
  if (err instanceof PlanConflict || err instanceof NothingToChange) return new HttpError(409, err.message)
  if (err instanceof PlanError) return new HttpError(400, err.message)
  return err
}

/**
 * The one path by which an operator's request changes policy: permission and
 * confirmation checks, optional second approver for global changes, audit,
 * then commit to the log (which notifies enforcers and the publisher). Every
 * write below goes through `audited`: no entry, no change.
 */
export async function applyChangeRequest(deps: ApplyDeps, p: Principal, req: ChangeRequest, ip: string | null): Promise<ApplyResult> {
  checkConfirmation(req)
  checkChangeAllowed(p, req, deps.limits)
  if (req.scope === 'global' && deps.limits.secondApprover) {
    const draft = newProposal(p.userId, req)
    const proposal = await audited(
      deps.store,
      { actor: p.userId, actorRole: p.role, action: 'policy.propose', subject: draft.id, ipPrefix: ip, after: req },
      () => createProposal(deps.store, draft),
    )
    return { status: 'pending', proposal }
  }
  return { status: 'applied', change: await commitChecked(deps, p, req, ip) }
}

/** A second admin (not the author) approves or rejects a pending global change. */
export async function decide(deps: ApplyDeps, p: Principal, id: string, approve: boolean, ip: string | null): Promise<ApplyResult> {
  const [proposal] = await listProposals(deps.store, { id })
  if (!proposal) throw new HttpError(404, 'no such proposal')
  if (proposal.status !== 'pending') throw new HttpError(409, `proposal already ${proposal.status}`)
  if (proposal.author === p.userId) throw new HttpError(403, 'the second approver must be a different admin')
  const entry = { actor: p.userId, actorRole: p.role, subject: id, ipPrefix: ip, before: proposal }
  if (!approve) {
    const decided = await audited(deps.store, { ...entry, action: 'policy.reject' }, () => decideProposal(deps.store, proposal, 'rejected', p.userId))
    return { status: 'pending', proposal: decided }
  }
  // The approval's entry comes first; the change it releases gets its own (policy.<action>, with the version).
  const author: Principal = { userId: proposal.author, displayName: proposal.author, role: 'admin', provider: 'local' }
  const change = await audited(deps.store, { ...entry, action: 'policy.approve' }, async () => {
    const committed = await commitChecked(deps, author, proposal.request, ip, p.userId)
    await decideProposal(deps.store, proposal, 'approved', p.userId, committed.version)
    return committed
  })
  return { status: 'applied', change }
}

/**
 * Undo = a new change that writes back, for every rule a version touched, the
 * rule as it was before it. 409 when one of those rules changed since (planUndo).
 */
export async function undoChange(deps: ApplyDeps, p: Principal, version: number, reason: string, ip: string | null): Promise<PolicyChange> {
  const [target] = await readChanges(deps.store, { version })
  if (!target) throw new HttpError(404, `no policy version ${version}`)
  try {
    return await deps.service.commit({
      author: p.userId,
      reason,
      action: 'undo',
      undoOf: version,
      plan: (rules, now) => {
        const writes = planUndo(rules, target.rules, p.userId, reason, now)
        checkRewriteAllowed(p, writes, deps.limits, rules, now)
        if (writes.some((w) => w.scope === 'global') && deps.limits.secondApprover && p.role === 'admin') {
          throw new HttpError(403, 'undoing a global change needs a new global change with a second approver')
        }
        return writes
      },
      audit: (change) => ({
        actor: p.userId,
        actorRole: p.role,
        action: 'policy.undo',
        subject: `v${change.version} undoes v${version}`,
        ipPrefix: ip,
        ...auditRules(change.rules),
      }),
    })
  } catch (err) {
    throw planHttpError(err)
  }
}
