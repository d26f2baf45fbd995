import type { Migration } from './types'

/**
 * Closed streams keyed by the minute they ended: one row per stream (its `stream` event, keyed by event id: not every
 * client sends a stream id) with what
 * the stream-abuse detector needs (duration, output tokens, cost, whether the
 * client cut it). The detector read these from the events table, whose key is
 * (tenant, install, ts) inside a day partition: a 15-minute window scanned the
 * whole day's stream events, so its cost grew through the day (3.7 s per run
 * at 5,000 events/s after 45 minutes). Keyed by minute, a window reads only
 * its minutes. Every column is a max over the stream's one `stream` event,
 * so merges fold a replayed stream into one row; the detector reads rows
 * unmerged (grouping per stream cost more than the scan), so the table keeps
 * a deduplication window like the counting rollups (migration 0031).
 * The last day is copied from events, the longest range the ranking reads.
 */
export const migration: Migration = {
  version: 55,
  name: 'stream_end_minute rollup (closed streams by minute)',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.stream_end_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      install_id String,
      event_id String,
      end_ms SimpleAggregateFunction(max, Int64),
      duration_ms SimpleAggregateFunction(max, UInt32),
      completion_tokens SimpleAggregateFunction(max, UInt32),
      cost_micros SimpleAggregateFunction(max, UInt64),
      client_disconnect SimpleAggregateFunction(max, UInt8)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMMDD(minute)
    ORDER BY (tenant_id, minute, install_id, event_id)
    TTL minute + INTERVAL ${Math.min(retentionDays, 7)} DAY
    SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.stream_end_minute_mv${onCluster} TO ${db}.stream_end_minute AS
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, event_id,
      max(toUnixTimestamp64Milli(ts)) AS end_ms,
      max(duration_ms) AS duration_ms,
      max(completion_tokens) AS completion_tokens,
      max(cost_micros) AS cost_micros,
      max(toUInt8(end_reason = 'client_disconnect')) AS client_disconnect
    FROM ${db}.events
    WHERE type = 'stream'
    GROUP BY minute, tenant_id, install_id, event_id`,

    `INSERT INTO ${db}.stream_end_minute
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, event_id,
      max(toUnixTimestamp64Milli(ts)), max(duration_ms), max(completion_tokens), max(cost_micros),
      max(toUInt8(end_reason = 'client_disconnect'))
    FROM ${db}.events
    WHERE type = 'stream' AND ts >= now64(3) - INTERVAL 1 DAY
    GROUP BY minute, tenant_id, install_id, event_id`,
  ],
}
