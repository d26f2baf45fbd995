import type { Migration } from './types'

/**
 * Per-minute rollups the dashboard and detectors read instead of raw events.
 * Materialized views see each inserted block once; retried blocks are dropped
 * upstream by insert deduplication (deduplicate_blocks_in_dependent_materialized_views),
 * so sums stay equal to an aggregation of the raw rows.
 */
const Q = 'quantilesTDigest(0.5, 0.9, 0.99)'
const QSTATE_IF = 'quantilesTDigestStateIf(0.5, 0.9, 0.99)'

export const migration: Migration = {
  version: 2,
  name: 'minute rollups: usage, attestation, per install, install profile',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.usage_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      feature LowCardinality(String),
      model LowCardinality(String),
      app_version LowCardinality(String),
      platform LowCardinality(String),
      requests SimpleAggregateFunction(sum, UInt64),
      streams SimpleAggregateFunction(sum, UInt64),
      served SimpleAggregateFunction(sum, UInt64),
      upstream_errors SimpleAggregateFunction(sum, UInt64),
      cut_by_policy SimpleAggregateFunction(sum, UInt64),
      prompt_tokens SimpleAggregateFunction(sum, UInt64),
      completion_tokens SimpleAggregateFunction(sum, UInt64),
      cost_micros SimpleAggregateFunction(sum, UInt64),
      stream_ms SimpleAggregateFunction(sum, UInt64),
      attest_accepted SimpleAggregateFunction(sum, UInt64),
      attest_rejected SimpleAggregateFunction(sum, UInt64),
      policy_denials SimpleAggregateFunction(sum, UInt64),
      max_context_tokens SimpleAggregateFunction(max, UInt32),
      installs AggregateFunction(uniq, String),
      context_tokens_q AggregateFunction(${Q}, UInt32),
      stream_duration_q AggregateFunction(${Q}, UInt32)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(minute)
    ORDER BY (tenant_id, minute, feature, model, app_version, platform)
    TTL minute + INTERVAL ${retentionDays} DAY`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.usage_minute_mv${onCluster} TO ${db}.usage_minute AS
    SELECT
      toStartOfMinute(ts) AS minute, tenant_id, feature, model, app_version, platform,
      countIf(type IN ('llm_request', 'stream')) AS requests,
      countIf(type = 'stream') AS streams,
      countIf(type = 'llm_request' AND outcome = 'served' OR type = 'stream' AND end_reason IN ('completed', 'client_disconnect')) AS served,
      countIf(outcome = 'upstream_error' OR end_reason = 'timeout') AS upstream_errors,
      countIf(outcome = 'cut_by_policy' OR end_reason = 'cut_by_policy') AS cut_by_policy,
      sum(toUInt64(prompt_tokens)) AS prompt_tokens,
      sum(toUInt64(completion_tokens)) AS completion_tokens,
      sum(cost_micros) AS cost_micros,
      sum(toUInt64(duration_ms)) AS stream_ms,
      countIf(type = 'attestation' AND verdict = 'accepted') AS attest_accepted,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(type = 'policy_denial') AS policy_denials,
      max(context_tokens) AS max_context_tokens,
      uniqStateIf(install_id, install_id != '') AS installs,
      ${QSTATE_IF}(context_tokens, type IN ('llm_request', 'stream')) AS context_tokens_q,
      ${QSTATE_IF}(duration_ms, type = 'stream') AS stream_duration_q
    FROM ${db}.events
    WHERE type != 'policy_ack'
    GROUP BY minute, tenant_id, feature, model, app_version, platform`,

    `CREATE TABLE IF NOT EXISTS ${db}.attestation_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      reason LowCardinality(String),
      app_version LowCardinality(String),
      platform LowCardinality(String),
      rejections SimpleAggregateFunction(sum, UInt64),
      installs AggregateFunction(uniq, String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(minute)
    ORDER BY (tenant_id, minute, reason, app_version, platform)
    TTL minute + INTERVAL ${retentionDays} DAY`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.attestation_minute_mv${onCluster} TO ${db}.attestation_minute AS
    SELECT toStartOfMinute(ts) AS minute, tenant_id,
      arrayJoin(if(empty(reasons), ['other'], reasons)) AS reason,
      app_version, platform, count() AS rejections, uniqState(install_id) AS installs
    FROM ${db}.events
    WHERE type = 'attestation' AND verdict = 'rejected'
    GROUP BY minute, tenant_id, reason, app_version, platform`,

    `CREATE TABLE IF NOT EXISTS ${db}.install_minute${onCluster} (
      minute DateTime('UTC'),
      tenant_id LowCardinality(String),
      install_id String,
      feature LowCardinality(String),
      requests SimpleAggregateFunction(sum, UInt64),
      streams SimpleAggregateFunction(sum, UInt64),
      prompt_tokens SimpleAggregateFunction(sum, UInt64),
      completion_tokens SimpleAggregateFunction(sum, UInt64),
      cost_micros SimpleAggregateFunction(sum, UInt64),
      stream_ms SimpleAggregateFunction(sum, UInt64),
      max_context_tokens SimpleAggregateFunction(max, UInt32),
      max_completion_tokens SimpleAggregateFunction(max, UInt32),
      max_stream_ms SimpleAggregateFunction(max, UInt32),
      client_disconnects SimpleAggregateFunction(sum, UInt64),
      attest_rejected SimpleAggregateFunction(sum, UInt64),
      policy_denials SimpleAggregateFunction(sum, UInt64)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMMDD(minute)
    ORDER BY (tenant_id, minute, install_id, feature)
    TTL minute + INTERVAL ${retentionDays} DAY`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.install_minute_mv${onCluster} TO ${db}.install_minute AS
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, feature,
      countIf(type IN ('llm_request', 'stream')) AS requests,
      countIf(type = 'stream') AS streams,
      sum(toUInt64(prompt_tokens)) AS prompt_tokens,
      sum(toUInt64(completion_tokens)) AS completion_tokens,
      sum(cost_micros) AS cost_micros,
      sum(toUInt64(duration_ms)) AS stream_ms,
      max(context_tokens) AS max_context_tokens,
      max(${db}.events.completion_tokens) AS max_completion_tokens,
      max(duration_ms) AS max_stream_ms,
      countIf(end_reason = 'client_disconnect') AS client_disconnects,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(type = 'policy_denial') AS policy_denials
    FROM ${db}.events
    WHERE type != 'policy_ack'
    GROUP BY minute, tenant_id, install_id, feature`,

    // One row per install with its traits, for farm clustering and drill-down.
    `CREATE TABLE IF NOT EXISTS ${db}.install_profile${onCluster} (
      tenant_id LowCardinality(String),
      install_id String,
      first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
      last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
      app_id SimpleAggregateFunction(anyLast, LowCardinality(String)),
      app_version SimpleAggregateFunction(anyLast, LowCardinality(String)),
      platform SimpleAggregateFunction(anyLast, LowCardinality(String)),
      device_model SimpleAggregateFunction(anyLast, LowCardinality(String)),
      os_version SimpleAggregateFunction(anyLast, LowCardinality(String)),
      device_fingerprint SimpleAggregateFunction(anyLast, String),
      ip_prefix SimpleAggregateFunction(anyLast, LowCardinality(String)),
      asn SimpleAggregateFunction(anyLast, UInt32),
      country SimpleAggregateFunction(anyLast, LowCardinality(String)),
      events SimpleAggregateFunction(sum, UInt64),
      cost_micros SimpleAggregateFunction(sum, UInt64),
      attest_accepted SimpleAggregateFunction(sum, UInt64),
      attest_rejected SimpleAggregateFunction(sum, UInt64),
      emulator_rejections SimpleAggregateFunction(sum, UInt64),
      hooking_rejections SimpleAggregateFunction(sum, UInt64)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    ORDER BY (tenant_id, install_id)`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.install_profile_mv${onCluster} TO ${db}.install_profile AS
    SELECT tenant_id, install_id,
      min(ts) AS first_seen, max(ts) AS last_seen,
      anyLast(app_id) AS app_id, anyLast(app_version) AS app_version, anyLast(platform) AS platform,
      anyLast(device_model) AS device_model, anyLast(os_version) AS os_version,
      anyLast(device_fingerprint) AS device_fingerprint, anyLast(ip_prefix) AS ip_prefix,
      anyLast(asn) AS asn, anyLast(country) AS country,
      count() AS events, sum(cost_micros) AS cost_micros,
      countIf(type = 'attestation' AND verdict = 'accepted') AS attest_accepted,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(has(reasons, 'emulator')) AS emulator_rejections,
      countIf(has(reasons, 'hooking_framework')) AS hooking_rejections
    FROM ${db}.events
    WHERE install_id != ''
    GROUP BY tenant_id, install_id`,
  ],
}
