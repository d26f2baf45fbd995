import type { Migration } from './types'

/**
 * abuse_day: the sealed abuse_hour rows of each UTC day merged into one row per day, tenant and status (spend and
 * the merged install sketch), so a 30-day abuse tax merges ~30 sketches per tenant and status instead of ~720:
 * merging the hourly `uniq` states was most of its time (p95 1,045 ms at 30 d on a 100M-event store).
 * Every seal of an hour (lib/queries/abuse-seal.ts) rebuilds its day from all of that day's hour rows, so a day row
 * always equals the hours sealed so far (ReplacingMergeTree on sealed_at: rebuilding twice never doubles a figure).
 * The backfill builds the days from the hours already sealed.
 */
export const migration: Migration = {
  version: 62,
  name: 'abuse_day: sealed abuse hours merged per day',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.abuse_day${onCluster} (
      day Date,
      tenant_id LowCardinality(String),
      status LowCardinality(String),
      cost_micros UInt64,
      installs AggregateFunction(uniq, String),
      sealed_at DateTime64(3, 'UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'sealed_at')}
    PARTITION BY toYYYYMM(day)
    ORDER BY (day, tenant_id, status)
    TTL day + INTERVAL ${retentionDays} DAY`,

    `INSERT INTO ${db}.abuse_day (day, tenant_id, status, cost_micros, installs, sealed_at)
    SELECT toDate(hour) AS day, tenant_id, status, sum(cost_micros), uniqMergeState(installs), now64(3)
    FROM ${db}.abuse_hour FINAL GROUP BY day, tenant_id, status`,
  ],
}
