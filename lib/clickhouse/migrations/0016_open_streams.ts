import type { Migration } from './types'

/**
 * Streams still open, from their `stream_progress` reports (every ~30 s once
 * a stream has run 30 s): one row per stream and minute with the latest
 * elapsed time and tokens so far. Detectors read the last minutes of it to see
 * a zombie or an oversized prompt while the stream is still running, instead
 * of when it closes (the `stream` event, minutes later). Only long streams
 * report progress, so the table stays small; it is keyed by time so a look at
 * the last minutes reads only those.
 */
export const migration: Migration = {
  version: 16,
  name: 'open_stream_minute rollup (stream_progress)',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.open_stream_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      install_id String,
      stream_id String,
      feature SimpleAggregateFunction(anyLast, LowCardinality(String)),
      start_ms SimpleAggregateFunction(min, Int64),
      last_ms SimpleAggregateFunction(max, Int64),
      elapsed_ms SimpleAggregateFunction(max, UInt32),
      context_tokens SimpleAggregateFunction(max, UInt32),
      completion_tokens SimpleAggregateFunction(max, UInt32)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMMDD(minute)
    ORDER BY (tenant_id, minute, install_id, stream_id)
    TTL minute + INTERVAL ${Math.min(retentionDays, 7)} DAY`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.open_stream_minute_mv${onCluster} TO ${db}.open_stream_minute AS
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, stream_id,
      anyLast(feature) AS feature,
      min(toUnixTimestamp64Milli(ts) - toInt64(duration_ms)) AS start_ms,
      max(toUnixTimestamp64Milli(ts)) AS last_ms,
      max(duration_ms) AS elapsed_ms,
      max(context_tokens) AS context_tokens,
      max(completion_tokens) AS completion_tokens
    FROM ${db}.events
    WHERE type = 'stream_progress'
    GROUP BY minute, tenant_id, install_id, stream_id`,
  ],
}
