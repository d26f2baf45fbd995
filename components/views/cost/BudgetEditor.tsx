'use client'
import { useState } from 'react'
import { percent, usd } from '@/lib/format'
import type { BudgetStatusView } from '@/lib/dashboard/types'
import { useDeleteBudget, useSaveBudget } from '../../hooks/useCost'
import { useMe } from '../../hooks/useMe'

interface Draft {
  tenant_id: string
  feature: string
  dollars: string
  thresholds: string
  basis: 'forecast' | 'actual'
}
const EMPTY: Draft = { tenant_id: '', feature: '', dollars: '', thresholds: '50, 80, 100', basis: 'forecast' }

/** Parses "50, 80, 100" into whole percents; null when any part is not one. */
function parseThresholds(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean)
  const nums = parts.map(Number)
  return parts.length && nums.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000) ? nums : null
}

/**
 * The budgets in scope with where each stands, and (for finance and admin)
 * a form to set or remove one. The server checks the role and the input again
 * and audits every change; this only avoids offering what would be refused.
 */
export function BudgetEditor({ budgets, tenants, tenant }: { budgets: BudgetStatusView[]; tenants: string[]; tenant: string }) {
  const me = useMe()
  const canEdit = me.can('finance')
  const save = useSaveBudget()
  const remove = useDeleteBudget()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [error, setError] = useState('')
  const submit = (d: Draft) => {
    const dollars = Number(d.dollars)
    const thresholds = parseThresholds(d.thresholds)
    if (!d.tenant_id) return setError('Pick a tenant.')
    if (!Number.isFinite(dollars) || dollars <= 0) return setError('The budget must be a positive dollar amount.')
    if (!thresholds) return setError('Thresholds are whole percents, e.g. 50, 80, 100.')
    setError('')
    save.mutate(
      { tenant_id: d.tenant_id, feature: d.feature.trim(), monthly_micros: Math.round(dollars * 1e6), thresholds, basis: d.basis },
      { onSuccess: () => setDraft(null), onError: (e) => setError(e.message) },
    )
  }
  return (
    <div className="grid" style={{ gap: 8 }} data-testid="budget-editor">
      {budgets.length === 0 ? (
        <p className="muted small" style={{ margin: 0 }}>
          No budget set{tenant ? ` for ${tenant}` : ''}.
        </p>
      ) : (
        <table className="table small" data-testid="budget-list">
          <thead>
            <tr>
              <th>Scope</th>
              <th className="num">Budget</th>
              <th className="num">Used</th>
              <th>Alerts at</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr key={`${b.tenant_id}/${b.feature}`} data-testid="budget-row">
                <td className="mono">
                  {b.tenant_id}
                  {b.feature ? ` / ${b.feature}` : ''}
                  {b.source === 'seed' ? <span className="muted"> (BUDGETS_JSON)</span> : null}
                </td>
                <td className="num">{usd(b.monthly_micros)}</td>
                <td
                  className={`num ${b.crossed !== null && b.crossed >= 100 ? 'crit' : b.crossed !== null ? 'warn' : ''}`}
                  title={b.measured === 'forecast' ? 'month-end forecast / budget' : 'month to date / budget'}
                >
                  {percent(b.share, 0)} {b.measured === 'forecast' ? 'forecast' : 'spent'}
                </td>
                <td>
                  {b.thresholds.join(', ')}% of {b.basis}
                </td>
                <td>
                  {canEdit && (
                    <span className="row gap">
                      <button
                        type="button"
                        className="btn small"
                        onClick={() =>
                          setDraft({
                            tenant_id: b.tenant_id,
                            feature: b.feature,
                            dollars: String(b.monthly_micros / 1e6),
                            thresholds: b.thresholds.join(', '),
                            basis: b.basis,
                          })
                        }
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="btn small"
                        disabled={remove.isPending}
                        onClick={() => remove.mutate({ tenant_id: b.tenant_id, feature: b.feature }, { onError: (e) => setError(e.message) })}
                      >
                        Remove
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && !draft && (
        <div>
          <button type="button" className="btn small" data-testid="budget-add" onClick={() => setDraft({ ...EMPTY, tenant_id: tenant })}>
            Set a budget
          </button>
        </div>
      )}
      {draft && (
        <form
          className="grid"
          style={{ gap: 6, maxWidth: 520 }}
          onSubmit={(e) => {
            e.preventDefault()
            submit(draft)
          }}
          data-testid="budget-form"
        >
          <label className="row gap">
            Tenant
            <select value={draft.tenant_id} onChange={(e) => setDraft({ ...draft, tenant_id: e.target.value })} name="tenant">
              <option value="">–</option>
              {[...new Set([...tenants, draft.tenant_id].filter(Boolean))].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label className="row gap">
            Feature (empty: whole tenant)
            <input value={draft.feature} onChange={(e) => setDraft({ ...draft, feature: e.target.value })} name="feature" maxLength={64} />
          </label>
          <label className="row gap">
            Monthly budget, USD
            <input value={draft.dollars} onChange={(e) => setDraft({ ...draft, dollars: e.target.value })} name="dollars" inputMode="decimal" required />
          </label>
          <label className="row gap">
            Alert at % of budget
            <input value={draft.thresholds} onChange={(e) => setDraft({ ...draft, thresholds: e.target.value })} name="thresholds" />
          </label>
          <label className="row gap">
            Compare
            <select value={draft.basis} onChange={(e) => setDraft({ ...draft, basis: e.target.value === 'actual' ? 'actual' : 'forecast' })} name="basis">
              <option value="forecast">month-end forecast</option>
              <option value="actual">month-to-date spend</option>
            </select>
          </label>
          <div className="row gap">
            <button type="submit" className="btn small primary" disabled={save.isPending}>
              Save budget
            </button>
            <button
              type="button"
              className="btn small"
              onClick={() => {
                setDraft(null)
                setError('')
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="crit small" role="alert" style={{ margin: 0 }}>
          {error}
        </p>
      )}
    </div>
  )
}
