import type { Migration } from './types'

/**
 * `stream_progress` events (a stream still open, reported every ~30 s) are
 * stored in events like any other type, but they are reports about a call,
 * not calls: the final `stream` event carries its tokens, duration and cost.
 * The 0002 views summed tokens, cost and stream time over every type but
 * policy_ack, so each report would have counted the stream's tokens and
 * time again. They now skip progress rows in every sum, count and maximum;
 * a progress row still marks its install as active (installs sketches,
 * install_profile.last_seen), since the install is in a call.
 * `type` is LowCardinality(String), so the new type needs no column change.
 *
 * MODIFY QUERY swaps a view's SELECT in place: blocks inserted before it are
 * aggregated by the old query, later ones by the new one, none by neither.
 * Progress rows cannot predate this migration (ingest dead-lettered the type
 * before), so no stored rollup needs rewriting.
 */
const CALL = `type != 'stream_progress'`

const usageMinute = (db: string) => `
    SELECT
      toStartOfMinute(ts) AS minute, tenant_id, feature, model, app_version, platform,
      countIf(type IN ('llm_request', 'stream')) AS requests,
      countIf(type = 'stream') AS streams,
      countIf(type = 'llm_request' AND outcome = 'served' OR type = 'stream' AND end_reason IN ('completed', 'client_disconnect')) AS served,
      countIf(outcome = 'upstream_error' OR end_reason = 'timeout') AS upstream_errors,
      countIf(outcome = 'cut_by_policy' OR end_reason = 'cut_by_policy') AS cut_by_policy,
      sumIf(toUInt64(prompt_tokens), ${CALL}) AS prompt_tokens,
      sumIf(toUInt64(completion_tokens), ${CALL}) AS completion_tokens,
      sumIf(cost_micros, ${CALL}) AS cost_micros,
      sumIf(toUInt64(duration_ms), ${CALL}) AS stream_ms,
      countIf(type = 'attestation' AND verdict = 'accepted') AS attest_accepted,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(type = 'policy_denial') AS policy_denials,
      maxIf(context_tokens, ${CALL}) AS max_context_tokens,
      uniqStateIf(install_id, install_id != '') AS installs,
      quantilesTDigestStateIf(0.5, 0.9, 0.99)(context_tokens, type IN ('llm_request', 'stream')) AS context_tokens_q,
      quantilesTDigestStateIf(0.5, 0.9, 0.99)(duration_ms, type = 'stream') AS stream_duration_q
    FROM ${db}.events
    WHERE type != 'policy_ack'
    GROUP BY minute, tenant_id, feature, model, app_version, platform`

const installMinute = (db: string) => `
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, feature,
      countIf(type IN ('llm_request', 'stream')) AS requests,
      countIf(type = 'stream') AS streams,
      sumIf(toUInt64(prompt_tokens), ${CALL}) AS prompt_tokens,
      sumIf(toUInt64(completion_tokens), ${CALL}) AS completion_tokens,
      sumIf(cost_micros, ${CALL}) AS cost_micros,
      sumIf(toUInt64(duration_ms), ${CALL}) AS stream_ms,
      maxIf(context_tokens, ${CALL}) AS max_context_tokens,
      maxIf(${db}.events.completion_tokens, ${CALL}) AS max_completion_tokens,
      maxIf(duration_ms, ${CALL}) AS max_stream_ms,
      countIf(end_reason = 'client_disconnect') AS client_disconnects,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(type = 'policy_denial') AS policy_denials
    FROM ${db}.events
    WHERE type != 'policy_ack'
    GROUP BY minute, tenant_id, install_id, feature`

const installProfile = (db: string) => `
    SELECT tenant_id, install_id,
      min(ts) AS first_seen, max(ts) AS last_seen,
      anyLast(app_id) AS app_id, anyLast(app_version) AS app_version, anyLast(platform) AS platform,
      anyLast(device_model) AS device_model, anyLast(os_version) AS os_version,
      anyLast(device_fingerprint) AS device_fingerprint, anyLast(ip_prefix) AS ip_prefix,
      anyLast(asn) AS asn, anyLast(country) AS country,
      countIf(${CALL}) AS events, sumIf(cost_micros, ${CALL}) AS cost_micros,
      countIf(type = 'attestation' AND verdict = 'accepted') AS attest_accepted,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(has(reasons, 'emulator')) AS emulator_rejections,
      countIf(has(reasons, 'hooking_framework')) AS hooking_rejections
    FROM ${db}.events
    WHERE install_id != ''
    GROUP BY tenant_id, install_id`

export const migration: Migration = {
  version: 7,
  name: 'rollups skip stream_progress reports',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.usage_minute_mv${onCluster} MODIFY QUERY ${usageMinute(db)}`,
    `ALTER TABLE ${db}.install_minute_mv${onCluster} MODIFY QUERY ${installMinute(db)}`,
    `ALTER TABLE ${db}.install_profile_mv${onCluster} MODIFY QUERY ${installProfile(db)}`,
  ],
}
