import { CONTROL_NAMES, isActive, ruleKey, type ChangeRequest, type ControlName, type Controls, type Rule, type RuleChange } from './types'

export class PlanError extends Error {}
/** The request is valid on its own but conflicts with the current rules: HTTP 409, not 400. */
export class PlanConflict extends PlanError {}

function checkSubject(scope: ChangeRequest['scope'], subject: string) {
  if (scope === 'global' && subject !== '*') throw new PlanError('global rules have subject "*"')
  if (scope !== 'global' && subject.includes('*')) throw new PlanError('wildcards only at global scope')
  if (scope === 'feature' && !/^[^/]+\/[^/]+$/.test(subject)) throw new PlanError('feature subjects are <tenant_id>/<feature>')
}

/**
 * The controls a request writes, before merging: a quota's stray `degrade`
 * and a degrade's stray limits are ignored, so permission checks look at
 * exactly what the plan will write. null = clear. Never throws (permission
 * checks run it before planning); planChange rejects an empty result.
 */
export function requestedControls(req: ChangeRequest): Controls | null {
  switch (req.action) {
    case 'revoke':
      return { revoked: true }
    case 'quota': {
      const { degrade: _d, ...limits } = req.controls
      return limits
    }
    case 'degrade':
      return req.controls.degrade ? { degrade: req.controls.degrade } : {}
    case 'clear':
      return null
  }
}

/** JSON with sorted keys: rules read back from the log need not keep key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}

/** Same enforcement effect: same controls and expiry (author, reason and version do not matter). */
function sameEffect(a: Rule | null, b: Rule | null): boolean {
  if (!a || !b) return a === b
  return a.until === b.until && canonical(a.controls) === canonical(b.controls)
}

const minutesLeft = (until: number, nowMs: number) => Math.ceil((until - nowMs) / 60_000)

/**
 * A rule carries one expiry (the wire format gateways and resolve.ts read), so
 * merging controls with different lifetimes cannot be represented exactly.
 * Rule: a change never ends early a control it leaves as it was (not set, or
 * set to the same value); such a change is refused, naming the minimum
 * duration. A change as long or longer sets the rule's expiry, which then also
 * extends the kept controls: the cost of one expiry per rule.
 */
function checkKeepsExpiry(active: Rule, merged: Controls, until: number | null, nowMs: number): string | null {
  if (until === null || (active.until !== null && until >= active.until)) return null
  const kept = CONTROL_NAMES.filter((n: ControlName) => active.controls[n] !== undefined && canonical(active.controls[n]) === canonical(merged[n]))
  if (kept.length === 0) return null
  const [is, it] = kept.length > 1 ? ['are', 'them'] : ['is', 'it']
  const lasts = active.until === null ? `${is} permanent` : `${is} in force for ${minutesLeft(active.until, nowMs)} more minutes`
  const fix = active.until === null ? 'Apply it without a duration' : `Ask for at least ${minutesLeft(active.until, nowMs)} minutes`
  return `${active.key} keeps ${kept.join(', ')}, which ${lasts}; this change would end ${it} in ${minutesLeft(until, nowMs)} minutes. ${fix}, or clear the rule first`
}

function refuse(problems: string[]): void {
  if (problems.length === 0) return
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''
  throw new PlanConflict(`${problems.slice(0, 3).join('. ')}${more}`)
}

/**
 * Turns a request into the rule writes it implies, against the current rules.
 * Pure, so a dry run shows exactly what apply would write. Controls merge into
 * an existing active rule (revoking a throttled install keeps its quota for
 * after the revocation is undone); see checkKeepsExpiry for the expiry.
 */
export function planChange(current: ReadonlyMap<string, Rule>, req: ChangeRequest, author: string, nowMs: number): RuleChange[] {
  const until = req.durationMinutes === null ? null : nowMs + req.durationMinutes * 60_000
  const requested = requestedControls(req)
  if (requested && Object.keys(requested).length === 0) {
    throw new PlanError(req.action === 'degrade' ? 'degrade needs controls.degrade caps' : 'a quota needs at least one limit')
  }
  const out: RuleChange[] = []
  const conflicts: string[] = []
  for (const subject of new Set(req.subjects)) {
    checkSubject(req.scope, subject)
    const key = ruleKey(req.scope, subject)
    const before = current.get(key) ?? null
    const active = before && isActive(before, nowMs) ? before : null
    if (requested === null) {
      if (before) out.push({ key, scope: req.scope, subject, before, after: null })
      continue
    }
    const controls: Controls = { ...active?.controls, ...requested }
    const conflict = active && checkKeepsExpiry(active, controls, until, nowMs)
    if (conflict) conflicts.push(conflict)
    const after: Rule = { key, scope: req.scope, subject, controls, until, reason: req.reason, author, version: 0, updatedAt: nowMs }
    out.push({ key, scope: req.scope, subject, before, after })
  }
  refuse(conflicts)
  return out
}

/**
 * The writes that restore the rules a change touched to what they were before
 * it. A rule changed since (its effect differs from what the version wrote) is
 * refused, not overwritten: restoring would silently discard the later change.
 * Undoing the later versions first, newest first, makes it undoable again. A
 * rule already back to what the version overwrote needs no write.
 */
export function planUndo(current: ReadonlyMap<string, Rule>, touched: RuleChange[], author: string, reason: string, nowMs: number): RuleChange[] {
  const conflicts: string[] = []
  const out: RuleChange[] = []
  for (const c of touched) {
    const now = current.get(c.key) ?? null
    if (sameEffect(now, c.before)) continue
    if (!sameEffect(now, c.after)) {
      conflicts.push(
        now
          ? `${c.key} was changed after this version (by v${now.version}): undo v${now.version} first, or write the rule you want as a new change`
          : `${c.key} was removed after this version: write the rule you want as a new change`,
      )
      continue
    }
    const restored = c.before && { ...c.before, reason: `undo: ${reason}`, author, updatedAt: nowMs }
    out.push({ key: c.key, scope: c.scope, subject: c.subject, before: now, after: restored })
  }
  refuse(conflicts)
  return out
}
