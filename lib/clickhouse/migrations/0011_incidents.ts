import type { Migration } from './types'

/**
 * Incidents: alerts of one attack grouped together (docs/detection.md,
 * "Incidents"). Same conventions as `alerts` (0010): one row per incident id,
 * every update inserts the whole row with a higher version, readers use FINAL.
 * Each alert names its incident in `alerts.incident_id` ('' for alerts written
 * before this migration). Incident transitions are an append-only log;
 * deliveries of incident notifications go to `alert_deliveries` with the
 * incident id in `alert_id`.
 */
export const migration: Migration = {
  version: 11,
  name: 'incidents, incident transitions, alerts.incident_id',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.incidents${onCluster} (
      id String,
      tenant_id LowCardinality(String),
      title String,
      state LowCardinality(String),
      severity LowCardinality(String),
      score Float64,
      first_seen DateTime64(3, 'UTC'),
      last_seen DateTime64(3, 'UTC'),
      acknowledged_by String,
      acknowledged_at Nullable(DateTime64(3, 'UTC')),
      snoozed_until Nullable(DateTime64(3, 'UTC')),
      resolved_at Nullable(DateTime64(3, 'UTC')),
      resolved_by String,
      merged_into String,
      alert_ids Array(String),
      detectors Array(LowCardinality(String)),
      keys Array(String) CODEC(ZSTD(3)),
      updated_at DateTime64(3, 'UTC'),
      version UInt64
    ) ENGINE = ${engine('ReplacingMergeTree', 'version')}
    ORDER BY id`,

    `CREATE TABLE IF NOT EXISTS ${db}.incident_transitions${onCluster} (
      incident_id String,
      at DateTime64(3, 'UTC'),
      from_state LowCardinality(String),
      to_state LowCardinality(String),
      actor String,
      action LowCardinality(String),
      note String
    ) ENGINE = ${engine('MergeTree')}
    ORDER BY (incident_id, at)`,

    `ALTER TABLE ${db}.alerts${onCluster} ADD COLUMN IF NOT EXISTS incident_id String DEFAULT '' AFTER id`,
  ],
}
