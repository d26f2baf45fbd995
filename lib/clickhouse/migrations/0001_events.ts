import type { Migration } from './types'

/**
 * Raw events, one row per valid gateway event. ReplacingMergeTree on the full
 * sort key (which ends in event_id) collapses a re-sent event; block-level
 * insert deduplication (window below) makes retried batches no-ops.
 */
export const migration: Migration = {
  version: 1,
  name: 'events, dead letters, ingest batches',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.events${onCluster} (
      ts DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
      event_id String CODEC(ZSTD(1)),
      type LowCardinality(String),
      tenant_id LowCardinality(String),
      install_id String CODEC(ZSTD(1)),
      app_id LowCardinality(String),
      app_version LowCardinality(String),
      platform LowCardinality(String),
      device_model LowCardinality(String),
      os_version LowCardinality(String),
      device_fingerprint String CODEC(ZSTD(1)),
      ip_prefix LowCardinality(String),
      asn UInt32 CODEC(ZSTD(1)),
      country LowCardinality(String),
      feature LowCardinality(String),
      model LowCardinality(String),
      prompt_tokens UInt32 CODEC(T64, ZSTD(1)),
      completion_tokens UInt32 CODEC(T64, ZSTD(1)),
      context_tokens UInt32 CODEC(T64, ZSTD(1)),
      prompt_bytes UInt32 CODEC(T64, ZSTD(1)),
      cost_micros UInt64 CODEC(T64, ZSTD(1)),
      cost_source LowCardinality(String),
      outcome LowCardinality(String),
      latency_ms UInt32 CODEC(T64, ZSTD(1)),
      stream_id String CODEC(ZSTD(1)),
      transport LowCardinality(String),
      duration_ms UInt32 CODEC(T64, ZSTD(1)),
      ttft_ms UInt32 CODEC(T64, ZSTD(1)),
      end_reason LowCardinality(String),
      verdict LowCardinality(String),
      reasons Array(LowCardinality(String)),
      policy_version UInt64 CODEC(T64, ZSTD(1)),
      rule_id LowCardinality(String),
      rule_kind LowCardinality(String),
      gateway_id LowCardinality(String),
      src_topic LowCardinality(String),
      src_partition UInt16,
      src_offset UInt64 CODEC(Delta, ZSTD(1)),
      ingested_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(DoubleDelta, ZSTD(1))
    ) ENGINE = ${engine('ReplacingMergeTree')}
    PARTITION BY toYYYYMMDD(ts)
    ORDER BY (tenant_id, install_id, ts, event_id)
    TTL toDateTime(ts) + INTERVAL ${retentionDays} DAY
    SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE TABLE IF NOT EXISTS ${db}.dead_letters${onCluster} (
      received_at DateTime64(3, 'UTC'),
      src_topic LowCardinality(String),
      src_partition UInt16,
      src_offset UInt64,
      message_key String,
      reason LowCardinality(String),
      error String,
      payload String,
      payload_bytes UInt32
    ) ENGINE = ${engine('MergeTree')}
    PARTITION BY toYYYYMMDD(received_at)
    ORDER BY (received_at, src_topic, src_partition, src_offset)
    TTL toDateTime(received_at) + INTERVAL ${retentionDays} DAY
    SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    // Written before each insert: after a crash the consumer rebuilds exactly
    // this offset range, so the retried insert carries the same dedup token.
    `CREATE TABLE IF NOT EXISTS ${db}.ingest_batches${onCluster} (
      src_topic LowCardinality(String),
      src_partition UInt16,
      first_offset UInt64,
      last_offset UInt64,
      created_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ${engine('ReplacingMergeTree', 'created_at')}
    ORDER BY (src_topic, src_partition, first_offset)
    TTL toDateTime(created_at) + INTERVAL 7 DAY`,
  ],
}
