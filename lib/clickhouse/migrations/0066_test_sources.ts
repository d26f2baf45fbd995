import type { Migration } from './types'

/**
 * Test traffic a tenant declares (lib/test-sources): a QA network, a staging
 * bundle id or build, a test device. Each declaration or removal appends a
 * row; the newest `version` per (tenant, kind, value) wins (ReplacingMergeTree,
 * read with argMax). Declarations expire (`expires_at`); expired and deleted
 * rows stay as history. No TTL: a handful of rows.
 */
export const migration: Migration = {
  version: 66,
  name: 'test_sources',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.test_sources${onCluster} (
      tenant_id String,
      kind LowCardinality(String),
      value String,
      note String,
      expires_at DateTime64(3, 'UTC'),
      deleted UInt8,
      updated_at DateTime64(3, 'UTC'),
      updated_by String,
      version UInt64
    ) ENGINE = ${engine('ReplacingMergeTree', 'version')}
    ORDER BY (tenant_id, kind, value)`,
  ],
}
