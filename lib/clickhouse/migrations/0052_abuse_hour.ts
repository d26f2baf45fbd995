import type { Migration } from './types'

/**
 * Rollups for the abuse tax over long ranges.
 * - install_hour: spend per install and hour, chained from install_minute (so
 *   the view groups a block of minute rows, not raw events).
 * - revoked_install: installs the gateway denied under a revocation, from the
 *   rare policy_denial events, so the abuse tax no longer scans the raw table.
 * - abuse_hour: each whole hour's spend by the attestation status its installs
 *   had when the hour was sealed (lib/queries/abuse-seal.ts): failed, revoked,
 *   both, or clean, with a sketch of the installs. A seal rewrites an hour's
 *   rows whole (ReplacingMergeTree on sealed_at), so sealing twice never
 *   doubles a figure.
 * Backfills copy what install_minute and events already hold; migrations run
 * before the consumer starts.
 */
export const migration: Migration = {
  version: 52,
  name: 'abuse tax rollups: install_hour, revoked_install, abuse_hour',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.install_hour${onCluster} (
      hour DateTime('UTC'),
      tenant_id LowCardinality(String),
      install_id String,
      cost_micros SimpleAggregateFunction(sum, UInt64)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(hour)
    ORDER BY (hour, tenant_id, install_id)
    TTL hour + INTERVAL ${retentionDays} DAY
    SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.install_hour_mv${onCluster} TO ${db}.install_hour AS
    SELECT toStartOfHour(minute) AS hour, tenant_id, install_id, sum(cost_micros) AS cost_micros
    FROM ${db}.install_minute GROUP BY hour, tenant_id, install_id`,

    `INSERT INTO ${db}.install_hour SELECT toStartOfHour(minute) AS hour, tenant_id, install_id, sum(cost_micros) AS cost_micros
    FROM ${db}.install_minute GROUP BY hour, tenant_id, install_id`,

    `CREATE TABLE IF NOT EXISTS ${db}.revoked_install${onCluster} (
      tenant_id LowCardinality(String),
      install_id String,
      first_denied SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
    ) ENGINE = ${engine('AggregatingMergeTree')}
    ORDER BY (tenant_id, install_id)`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.revoked_install_mv${onCluster} TO ${db}.revoked_install AS
    SELECT tenant_id, install_id, min(ts) AS first_denied FROM ${db}.events
    WHERE type = 'policy_denial' AND rule_kind = 'revoked' GROUP BY tenant_id, install_id`,

    `INSERT INTO ${db}.revoked_install SELECT tenant_id, install_id, min(ts) AS first_denied FROM ${db}.events
    WHERE type = 'policy_denial' AND rule_kind = 'revoked' GROUP BY tenant_id, install_id`,

    `CREATE TABLE IF NOT EXISTS ${db}.abuse_hour${onCluster} (
      hour DateTime('UTC'),
      tenant_id LowCardinality(String),
      status LowCardinality(String),
      cost_micros UInt64,
      installs AggregateFunction(uniq, String),
      sealed_at DateTime64(3, 'UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'sealed_at')}
    PARTITION BY toYYYYMM(hour)
    ORDER BY (hour, tenant_id, status)
    TTL hour + INTERVAL ${retentionDays} DAY`,
  ],
}
