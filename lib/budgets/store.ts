import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { rowVersion, serialised } from '../clickhouse/row-version'
import { loadConfig, parseBudgetsJson } from '../config'
import { selectRows, table } from '../queries/sql'
import { tenantFilter } from '../time-range'

import { BUDGET_BASES, type Budget } from '../budget-types'

export { BUDGET_BASES, type Budget, type BudgetBasis } from '../budget-types'
export const DEFAULT_THRESHOLDS = [50, 80, 100]

const ident = tenantFilter

/** What a finance user may send; the same schema validates the API body. */
export const budgetInput = z.object({
  tenant_id: ident.min(1),
  feature: ident.default(''),
  monthly_micros: z.number().int().min(1).max(1e15),
  thresholds: z
    .array(z.number().int().min(1).max(1000))
    .min(1)
    .max(6)
    .transform((t) => [...new Set(t)].sort((a, b) => a - b))
    .default(DEFAULT_THRESHOLDS),
  basis: z.enum(BUDGET_BASES).default('forecast'),
})
export type BudgetInput = z.infer<typeof budgetInput>
export const budgetScope = z.object({ tenant_id: ident.min(1), feature: ident.default('') })

let parsedSeed: { raw: string; budgets: Record<string, number> } | null = null

/**
 * BUDGETS_JSON, parsed once per value. A bad value seeds nothing (the cost
 * detector's settings check reports it at startup); it never hides budgets
 * set in the app.
 */
export function seedBudgets(raw = loadConfig().BUDGETS_JSON): Record<string, number> {
  if (parsedSeed?.raw === raw) return parsedSeed.budgets
  let budgets: Record<string, number> = {}
  try {
    budgets = Object.fromEntries(Object.entries(parseBudgetsJson(raw || '{}')).filter(([, m]) => m > 0))
  } catch {
    budgets = {}
  }
  parsedSeed = { raw, budgets }
  return budgets
}

interface Row {
  tenant_id: string
  feature: string
  monthly_micros: number
  thresholds: number[]
  basis: string
  deleted: number
  updated_at: string
  updated_by: string
}

/**
 * Every budget in force: the newest row per scope from the app, then the
 * seeds for scopes the app never wrote (a deleted budget stays deleted, its
 * seed does not come back). BUDGET_MONTHLY_MICROS seeds each known tenant
 * that has no tenant budget of either kind.
 */
export async function listBudgets(store: Store, knownTenants: string[] = []): Promise<Budget[]> {
  const rows = await selectRows<Row>(
    store,
    `
    SELECT tenant_id, feature, argMax(monthly_micros, version) AS monthly_micros, argMax(thresholds, version) AS thresholds,
      argMax(basis, version) AS basis, argMax(deleted, version) AS deleted, argMax(updated_at, version) AS updated_at,
      argMax(updated_by, version) AS updated_by
    FROM ${table(store, 'budgets')}
    GROUP BY tenant_id, feature`,
  )
  const out: Budget[] = []
  const written = new Set(rows.map((r) => `${r.tenant_id}\u0000${r.feature}`))
  for (const r of rows) {
    if (Number(r.deleted)) continue
    out.push({
      tenant_id: r.tenant_id,
      feature: r.feature,
      monthly_micros: Number(r.monthly_micros),
      thresholds: r.thresholds.map(Number),
      basis: r.basis === 'actual' ? 'actual' : 'forecast',
      source: 'app',
      updated_at: Date.parse(r.updated_at.replace(' ', 'T') + 'Z'),
      updated_by: r.updated_by,
    })
  }
  const seed = (tenant: string, micros: number) => {
    if (written.has(`${tenant}\u0000`)) return
    written.add(`${tenant}\u0000`)
    out.push({
      tenant_id: tenant,
      feature: '',
      monthly_micros: micros,
      thresholds: DEFAULT_THRESHOLDS,
      basis: 'forecast',
      source: 'seed',
      updated_at: null,
      updated_by: '',
    })
  }
  for (const [tenant, micros] of Object.entries(seedBudgets())) seed(tenant, micros)
  const fallback = loadConfig().BUDGET_MONTHLY_MICROS
  if (fallback > 0) for (const t of knownTenants) seed(t, fallback)
  return out.sort((a, b) => a.tenant_id.localeCompare(b.tenant_id) || a.feature.localeCompare(b.feature))
}

/** Serialises writes in this process so an audit entry's `before` is the row the write replaces. */
export const withBudgetLock = serialised()

export async function writeBudget(store: Store, b: BudgetInput & { deleted?: boolean }, actor: string, now = Date.now()): Promise<void> {
  await store.client.insert({
    table: table(store, 'budgets'),
    format: 'JSONEachRow',
    values: [
      {
        tenant_id: b.tenant_id,
        feature: b.feature,
        monthly_micros: b.monthly_micros,
        thresholds: b.thresholds,
        basis: b.basis,
        deleted: b.deleted ? 1 : 0,
        updated_at: now,
        updated_by: actor,
        version: rowVersion(now),
      },
    ],
  })
}

export function findBudget(list: Budget[], scope: { tenant_id: string; feature: string }): Budget | null {
  return list.find((b) => b.tenant_id === scope.tenant_id && b.feature === scope.feature) ?? null
}
