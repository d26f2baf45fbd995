import type { Migration } from './types'

/** Columns summed from one rollup into the next; installs are merged as uniq states. */
const SUMS = [
  'requests',
  'streams',
  'served',
  'upstream_errors',
  'cut_by_policy',
  'prompt_tokens',
  'completion_tokens',
  'cost_micros',
  'stream_ms',
  'attest_accepted',
  'attest_rejected',
  'policy_denials',
]

const columns = (time: string) => `
      ${time} DateTime('UTC'),
      tenant_id LowCardinality(String),
      feature LowCardinality(String),
      model LowCardinality(String),
      app_version LowCardinality(String),
      platform LowCardinality(String),
      ${SUMS.map((c) => `${c} SimpleAggregateFunction(sum, UInt64)`).join(',\n      ')},
      max_context_tokens SimpleAggregateFunction(max, UInt32),
      installs AggregateFunction(uniq, String)`

/** SELECT list rolling `source` rows up to `bucket`; the same text serves the views and the backfill. */
const rollUp = (db: string, source: string, sourceTime: string, bucket: string, time: string) => `
    SELECT ${bucket}(${sourceTime}) AS ${time}, tenant_id, feature, model, app_version, platform,
      ${SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
      max(max_context_tokens) AS max_context_tokens, uniqMergeState(installs) AS installs
    FROM ${db}.${source}
    GROUP BY ${time}, tenant_id, feature, model, app_version, platform`

/**
 * Hourly and daily copies of usage_minute for long ranges: a 30-day window
 * reads ~720 hours or 30 days of rows instead of 43,200 minutes of them.
 * Chained views (events → usage_minute → usage_hour → usage_day), so each
 * level aggregates the block the level below has already aggregated: the
 * extra ingest cost is a group-by over a minute block, not over raw events.
 * Quantile sketches are left out: no long-range view draws percentiles.
 *
 * The backfill copies what usage_minute already holds into usage_hour, which
 * cascades into usage_day. Migrations run before the consumer starts, so no
 * view delivers rows meanwhile; a backfill interrupted by a crash is rerun in
 * full with the migration and would count its hours twice, so it is one
 * statement (ClickHouse inserts it as one operation per partition).
 */
export const migration: Migration = {
  version: 51,
  name: 'hourly and daily usage rollups for long ranges',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.usage_hour${onCluster} (${columns('hour')}
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(hour)
    ORDER BY (tenant_id, hour, feature, model, app_version, platform)
    TTL hour + INTERVAL ${retentionDays} DAY
    SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE TABLE IF NOT EXISTS ${db}.usage_day${onCluster} (${columns('day')}
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(day)
    ORDER BY (tenant_id, day, feature, model, app_version, platform)
    TTL day + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.usage_day_mv${onCluster} TO ${db}.usage_day AS ${rollUp(db, 'usage_hour', 'hour', 'toStartOfDay', 'day')}`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.usage_hour_mv${onCluster} TO ${db}.usage_hour AS ${rollUp(db, 'usage_minute', 'minute', 'toStartOfHour', 'hour')}`,

    `INSERT INTO ${db}.usage_hour ${rollUp(db, 'usage_minute', 'minute', 'toStartOfHour', 'hour')}`,
  ],
}
