import type { Migration } from './types'

/**
 * Audit log of every mutation. Plain MergeTree with no TTL: the app only ever
 * inserts into it and exposes no route that updates or deletes rows.
 * Client addresses are stored as a /24 or /48 prefix only.
 */
export const migration: Migration = {
  version: 22,
  name: 'audit log',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.audit_log${onCluster} (
      at DateTime64(3, 'UTC'),
      id String,
      actor String,
      actor_role LowCardinality(String),
      action LowCardinality(String),
      subject String,
      ip_prefix String,
      before String,
      after String
    ) ENGINE = ${engine('MergeTree')}
    PARTITION BY toYYYYMM(at)
    ORDER BY (at, id)`,
  ],
}
