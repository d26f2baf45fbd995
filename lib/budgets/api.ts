import { audited, type AuditInput } from '../audit'
import type { Store } from '../clickhouse/client'
import { tenants } from '../queries/tenants'
import { findBudget, listBudgets, withBudgetLock, writeBudget, type Budget, type BudgetInput } from './store'

type Who = Omit<AuditInput, 'action' | 'subject' | 'before' | 'after'> & { actor: string }

const view = (b: Budget | null) => b && { monthly_micros: b.monthly_micros, thresholds: b.thresholds, basis: b.basis, source: b.source }

/**
 * Sets a scope's budget. Under the budget lock the current budget is read,
 * the audit entry (before → after) is written, then the new row: the entry's
 * `before` is exactly what this save replaced.
 */
export async function saveBudget(store: Store, input: BudgetInput, who: Who, now = Date.now()): Promise<Budget> {
  return withBudgetLock(async () => {
    const before = findBudget(await listBudgets(store, await tenants(store)), input)
    const after: Budget = { ...input, source: 'app', updated_at: now, updated_by: who.actor }
    await audited(store, { ...who, action: 'budget.set', subject: scopeName(input), before: view(before), after: view(after) }, () =>
      writeBudget(store, input, who.actor, now),
    )
    return after
  })
}

/** Removes a scope's budget (a seeded one too); false when the scope had none. */
export async function deleteBudget(store: Store, scope: { tenant_id: string; feature: string }, who: Who, now = Date.now()): Promise<boolean> {
  return withBudgetLock(async () => {
    const before = findBudget(await listBudgets(store, await tenants(store)), scope)
    if (!before) return false
    await audited(store, { ...who, action: 'budget.delete', subject: scopeName(scope), before: view(before), after: null }, () =>
      writeBudget(store, { ...scope, monthly_micros: 0, thresholds: [], basis: before.basis, deleted: true }, who.actor, now),
    )
    return true
  })
}

export const scopeName = (s: { tenant_id: string; feature: string }) => (s.feature ? `${s.tenant_id}/${s.feature}` : s.tenant_id)
