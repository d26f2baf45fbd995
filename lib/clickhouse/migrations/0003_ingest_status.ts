import type { Migration } from './types'

/**
 * Health snapshots written by every ingest process, so the dashboard can show
 * ingest health whether ingest runs in its own process or in the app's.
 */
export const migration: Migration = {
  version: 3,
  name: 'ingest status snapshots',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.ingest_status${onCluster} (
      at DateTime64(3, 'UTC'),
      instance_id String,
      source LowCardinality(String),
      health String
    ) ENGINE = ${engine('MergeTree')}
    ORDER BY (instance_id, at)
    TTL toDateTime(at) + INTERVAL 2 DAY`,
  ],
}
