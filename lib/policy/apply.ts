import type { Store } from '../clickhouse/client'
import { recordAudit } from '../audit/record'
import type { Principal } from '../auth/roles'
import { HttpError } from '../http/route'
import { readChanges } from './log-store'
import { checkChangeAllowed, checkConfirmation, checkRewriteAllowed, type PolicyLimits } from './permissions'
import { planChange, planUndo, PlanError } from './plan'
import { createProposal, decideProposal, listProposals, type Proposal } from './proposals'
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
    const change = await deps.service.commit({
      author: p.userId, approvedBy, reason: req.reason, action: req.action,
      plan: (rules, now) => {
        const writes = planChange(rules, req, p.userId, now)
        checkRewriteAllowed(p, writes, deps.limits)
        return writes
      },
    })
    await recordAudit(deps.store, { actor: p.userId, actorRole: p.role, action: `policy.${req.action}`, subject: `v${change.version} ${req.scope}:${req.subjects.length === 1 ? req.subjects[0] : `${req.subjects.length} subjects`}`, ipPrefix: ip, ...auditRules(change.rules) })
    return change
  } catch (err) {
    if (err instanceof PlanError) throw new HttpError(400, err.message)
    if (err instanceof NothingToChange) throw new HttpError(409, err.message)
    throw err
  }
}

/**
 * The one path by which an operator's request changes policy: permission and
 * confirmation checks, optional second approver for global changes, commit to
 * the log (which notifies enforcers and the publisher), audit.
 */
export async function applyChangeRequest(deps: ApplyDeps, p: Principal, req: ChangeRequest, ip: string | null): Promise<ApplyResult> {
  checkConfirmation(req)
  checkChangeAllowed(p, req, deps.limits)
  if (req.scope === 'global' && deps.limits.secondApprover) {
    const proposal = await createProposal(deps.store, p.userId, req)
    await recordAudit(deps.store, { actor: p.userId, actorRole: p.role, action: 'policy.propose', subject: proposal.id, ipPrefix: ip, after: req })
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
  if (!approve) {
    const decided = await decideProposal(deps.store, proposal, 'rejected', p.userId)
    await recordAudit(deps.store, { actor: p.userId, actorRole: p.role, action: 'policy.reject', subject: id, ipPrefix: ip, before: proposal })
    return { status: 'pending', proposal: decided }
  }
  const author: Principal = { userId: proposal.author, displayName: proposal.author, role: 'admin', provider: 'local' }
  const change = await commitChecked(deps, author, proposal.request, ip, p.userId)
  await decideProposal(deps.store, proposal, 'approved', p.userId, change.version)
  await recordAudit(deps.store, { actor: p.userId, actorRole: p.role, action: 'policy.approve', subject: id, ipPrefix: ip, after: { version: change.version } })
  return { status: 'applied', change }
}

/** Undo = a new change that writes back, for every rule a version touched, the rule as it was before it. */
export async function undoChange(deps: ApplyDeps, p: Principal, version: number, reason: string, ip: string | null): Promise<PolicyChange> {
  const [target] = await readChanges(deps.store, { version })
  if (!target) throw new HttpError(404, `no policy version ${version}`)
  try {
    const change = await deps.service.commit({
      author: p.userId, reason, action: 'undo', undoOf: version,
      plan: (rules, now) => {
        const writes = planUndo(rules, target.rules, p.userId, reason, now)
        checkRewriteAllowed(p, writes, deps.limits)
        if (writes.some((w) => w.scope === 'global') && deps.limits.secondApprover && p.role === 'admin') {
          throw new HttpError(403, 'undoing a global change needs a new global change with a second approver')
        }
        return writes
      },
    })
    await recordAudit(deps.store, { actor: p.userId, actorRole: p.role, action: 'policy.undo', subject: `v${change.version} undoes v${version}`, ipPrefix: ip, ...auditRules(change.rules) })
    return change
  } catch (err) {
    if (err instanceof NothingToChange) throw new HttpError(409, err.message)
    throw err
  }
}
