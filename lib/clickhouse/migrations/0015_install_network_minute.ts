import type { Migration } from './types'

/**
 * Which networks each install was seen from, per minute: the first pass of
 * the token-reuse detector (lib/detection/token-reuse.ts). One row per
 * install, network (/24, ASN, country) and minute, with the span of activity:
 * a stream (or a progress report of one still open) counts from its start
 * (ts − duration_ms), since the gateway reports it when it closes. The raw events table is sorted by install, not
 * time, so "installs seen from two networks in the last minutes" cannot be
 * read from it cheaply; the detector reads raw events only for the few
 * installs this table names (by the events' primary key).
 */
export const migration: Migration = {
  version: 15,
  name: 'install_network_minute rollup (token reuse)',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.install_network_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      install_id String,
      ip_prefix LowCardinality(String),
      asn UInt32,
      country LowCardinality(String),
      events SimpleAggregateFunction(sum, UInt64),
      first_ms SimpleAggregateFunction(min, Int64),
      last_ms SimpleAggregateFunction(max, Int64)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMMDD(minute)
    ORDER BY (tenant_id, minute, install_id, ip_prefix, asn, country)
    TTL minute + INTERVAL ${retentionDays} DAY`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.install_network_minute_mv${onCluster} TO ${db}.install_network_minute AS
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, ip_prefix, asn, country,
      count() AS events,
      min(toUnixTimestamp64Milli(ts) - if(type IN ('stream', 'stream_progress'), toInt64(duration_ms), 0)) AS first_ms,
      max(toUnixTimestamp64Milli(ts)) AS last_ms
    FROM ${db}.events
    WHERE install_id != '' AND type != 'policy_ack'
    GROUP BY minute, tenant_id, install_id, ip_prefix, asn, country`,
  ],
}
