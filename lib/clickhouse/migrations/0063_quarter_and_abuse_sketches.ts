import type { Migration } from './types'

/**
 * The backfills read every stored sketch or install-hour in one statement: grouping spills to disk past 512 MB, so a
 * 100M-event store does not hold every group's sketch in memory at once.
 */
const BOUNDED = `SETTINGS max_bytes_before_external_group_by = 536870912, optimize_aggregation_in_order = 1`

const quarterFromMinutes = (db: string) => `
    SELECT toStartOfFifteenMinutes(minute) AS quarter, tenant_id, dim, key, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.installs_dim_minute`

/**
 * The abuse seal of 0052/0061 as of this migration, writing the new sketch column: each install's spend per hour by
 * the status the install has now. The backfill re-seals every stored hour this way (as 0061 did by emptying the
 * table).
 */
const sealHours = (db: string, where: string) => `
    INSERT INTO ${db}.abuse_hour (hour, tenant_id, status, cost_micros, install_sketch, sealed_at)
    WITH
      failed_ids AS (
        SELECT install_id FROM ${db}.install_profile GROUP BY tenant_id, install_id
        HAVING sum(attest_rejected) > 0 AND sum(attest_rejected) >= sum(attest_accepted)),
      revoked_ids AS (SELECT install_id FROM ${db}.revoked_install)
    SELECT hour, tenant_id, status, sumIf(cost, st = status),
      uniqCombinedStateIf(14)(install_id, st = status AND cost > 0 AND status != 'clean'), now64(3)
    FROM (
      SELECT hour, tenant_id, install_id, sum(cost_micros) AS cost,
        install_id IN failed_ids AS f, install_id IN revoked_ids AS r,
        multiIf(f AND r, 'failed_revoked', f, 'failed', r, 'revoked', 'clean') AS st
      FROM ${db}.install_hour WHERE ${where}
      GROUP BY hour, tenant_id, install_id
    )
    ARRAY JOIN ['clean', 'failed', 'revoked', 'failed_revoked'] AS status
    GROUP BY hour, tenant_id, status
    ${BOUNDED}`

/**
 * Two sketches for the long-range views that were still over 100 ms p95 on a 100M-event store:
 *
 * - installs_dim_quarter: the per-dimension install sketches (migration 0060) per 15 minutes, chained from
 *   installs_dim_minute. A 24-hour traffic chart has 15-minute buckets, so it merged 1,440 minute sketches per tenant;
 *   it now merges 96 quarters and at most 28 edge minutes. Hourly charts read quarters at their edges too.
 * - abuse_hour.install_sketch and abuse_day.install_sketch: the failed and revoked installs as a uniqCombined(14)
 *   sketch (as 0060's), written by the seal instead of the `uniq` state, which for a revoked farm holds every id
 *   exactly (up to 64k hashes per row) and made merging them most of a 7- to 90-day abuse tax. A count above ~2k is
 *   an estimate with ~0.8 % standard error, as the dashboard's other install counts.
 *
 * Backfills (grouping spills to disk past 512 MB): quarters from the stored minute sketches; every stored
 * hour re-sealed into abuse_hour with the new column (status as it is now, as after 0061), then abuse_day rebuilt.
 */
export const migration: Migration = {
  version: 63,
  name: 'installs_dim_quarter; uniqCombined install sketches in abuse_hour and abuse_day',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.installs_dim_quarter${onCluster} (
      quarter DateTime('UTC'),
      tenant_id LowCardinality(String),
      dim LowCardinality(String),
      key LowCardinality(String),
      installs AggregateFunction(uniqCombined(14), String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(quarter)
    ORDER BY (dim, quarter, tenant_id, key)
    TTL quarter + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = 128, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_dim_quarter_mv${onCluster} TO ${db}.installs_dim_quarter AS
    ${quarterFromMinutes(db)} GROUP BY quarter, tenant_id, dim, key`,
    `INSERT INTO ${db}.installs_dim_quarter ${quarterFromMinutes(db)} GROUP BY quarter, tenant_id, dim, key ${BOUNDED}`,

    `ALTER TABLE ${db}.abuse_hour${onCluster} ADD COLUMN IF NOT EXISTS install_sketch AggregateFunction(uniqCombined(14), String) AFTER installs`,
    `ALTER TABLE ${db}.abuse_day${onCluster} ADD COLUMN IF NOT EXISTS install_sketch AggregateFunction(uniqCombined(14), String) AFTER installs`,
    // Whole hours only, as the seal: the running hour is judged at query time.
    sealHours(db, `hour < toStartOfHour(now('UTC'))`),
    `INSERT INTO ${db}.abuse_day (day, tenant_id, status, cost_micros, install_sketch, sealed_at)
    SELECT toDate(hour) AS day, tenant_id, status, sum(cost_micros), uniqCombinedMergeState(14)(install_sketch), now64(3)
    FROM ${db}.abuse_hour FINAL GROUP BY day, tenant_id, status`,
  ],
}
