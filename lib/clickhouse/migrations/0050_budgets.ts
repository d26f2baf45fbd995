import type { Migration } from './types'

/**
 * Monthly budgets set from the Cost page, per tenant (feature '') or per
 * tenant and feature. Each save appends a row; the newest `version` per
 * scope wins (ReplacingMergeTree, read with argMax so unmerged parts cannot
 * show an older row). Deleting writes a row with deleted = 1, which also hides
 * a budget seeded from BUDGETS_JSON for that scope. No TTL: a handful of rows.
 */
export const migration: Migration = {
  version: 50,
  name: 'budgets',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.budgets${onCluster} (
      tenant_id String,
      feature String,
      monthly_micros UInt64,
      thresholds Array(UInt16),
      basis LowCardinality(String),
      deleted UInt8,
      updated_at DateTime64(3, 'UTC'),
      updated_by String,
      version UInt64
    ) ENGINE = ${engine('ReplacingMergeTree', 'version')}
    ORDER BY (tenant_id, feature)`,
  ],
}
