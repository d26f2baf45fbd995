import type { Migration } from './types'

/**
 * Alerts and their history. `alerts` keeps one row per alert id: every update
 * inserts a new row with a higher version, and readers use FINAL (the table is
 * small: one row per incident, not per detection run). Transitions and webhook
 * deliveries are append-only logs.
 */
export const migration: Migration = {
  version: 10,
  name: 'alerts, alert transitions, alert deliveries',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.alerts${onCluster} (
      id String,
      detector LowCardinality(String),
      subject_kind LowCardinality(String),
      subject String,
      tenant_id LowCardinality(String),
      title String,
      state LowCardinality(String),
      severity LowCardinality(String),
      score Float64,
      peak_score Float64,
      first_seen DateTime64(3, 'UTC'),
      last_seen DateTime64(3, 'UTC'),
      last_firing DateTime64(3, 'UTC'),
      acknowledged_by String,
      acknowledged_at Nullable(DateTime64(3, 'UTC')),
      snoozed_until Nullable(DateTime64(3, 'UTC')),
      resolved_at Nullable(DateTime64(3, 'UTC')),
      resolved_by String,
      updated_at DateTime64(3, 'UTC'),
      version UInt64,
      evidence String CODEC(ZSTD(3))
    ) ENGINE = ${engine('ReplacingMergeTree', 'version')}
    ORDER BY id`,

    `CREATE TABLE IF NOT EXISTS ${db}.alert_transitions${onCluster} (
      alert_id String,
      at DateTime64(3, 'UTC'),
      from_state LowCardinality(String),
      to_state LowCardinality(String),
      actor String,
      action LowCardinality(String),
      note String
    ) ENGINE = ${engine('MergeTree')}
    ORDER BY (alert_id, at)`,

    `CREATE TABLE IF NOT EXISTS ${db}.alert_deliveries${onCluster} (
      alert_id String,
      at DateTime64(3, 'UTC'),
      target String,
      attempt UInt8,
      status UInt16,
      ok UInt8,
      error String
    ) ENGINE = ${engine('MergeTree')}
    ORDER BY (alert_id, at)
    TTL toDateTime(at) + INTERVAL 30 DAY`,
  ],
}
