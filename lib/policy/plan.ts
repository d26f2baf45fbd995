import { isActive, ruleKey, type ChangeRequest, type Controls, type Rule, type RuleChange } from './types'

export class PlanError extends Error {}

function checkSubject(scope: ChangeRequest['scope'], subject: string) {
  if (scope === 'global' && subject !== '*') throw new PlanError('global rules have subject "*"')
  if (scope !== 'global' && subject.includes('*')) throw new PlanError('wildcards only at global scope')
  if (scope === 'feature' && !/^[^/]+\/[^/]+$/.test(subject)) throw new PlanError('feature subjects are <tenant_id>/<feature>')
}

/**
 * Turns a request into the rule writes it implies, against the current rules.
 * Pure, so a dry run shows exactly what apply would write. Controls merge into
 * an existing rule (revoking a throttled install keeps its quota for after the
 * revocation is lifted by undo); a rule has one expiry, set by the latest change.
 */
export function planChange(current: ReadonlyMap<string, Rule>, req: ChangeRequest, author: string, nowMs: number): RuleChange[] {
  const until = req.durationMinutes === null ? null : nowMs + req.durationMinutes * 60_000
  const subjects = [...new Set(req.subjects)]
  const out: RuleChange[] = []
  for (const subject of subjects) {
    checkSubject(req.scope, subject)
    const key = ruleKey(req.scope, subject)
    const before = current.get(key) ?? null
    const base: Controls = before && isActive(before, nowMs) ? before.controls : {}
    let controls: Controls | null
    switch (req.action) {
      case 'revoke':
        controls = { ...base, revoked: true }
        break
      case 'quota': {
        const { degrade: _d, ...limits } = req.controls
        if (Object.keys(limits).length === 0) throw new PlanError('a quota needs at least one limit')
        controls = { ...base, ...limits }
        break
      }
      case 'degrade':
        if (!req.controls.degrade) throw new PlanError('degrade needs controls.degrade caps')
        controls = { ...base, degrade: req.controls.degrade }
        break
      case 'clear':
        controls = null
        break
    }
    if (controls === null && !before) continue
    const after: Rule | null = controls && {
      key, scope: req.scope, subject, controls, until, reason: req.reason, author, version: 0, updatedAt: nowMs,
    }
    out.push({ key, scope: req.scope, subject, before, after })
  }
  return out
}

/** The writes that restore the rules a change touched to what they were before it. */
export function planUndo(current: ReadonlyMap<string, Rule>, touched: RuleChange[], author: string, reason: string, nowMs: number): RuleChange[] {
  return touched.map((c) => {
    const restored = c.before && { ...c.before, reason: `undo: ${reason}`, author, updatedAt: nowMs }
    return { key: c.key, scope: c.scope, subject: c.subject, before: current.get(c.key) ?? null, after: restored }
  })
}
