/**
 * The dashboard benches' synthetic events, generated inside ClickHouse (`INSERT … SELECT FROM numbers()`): the
 * dashboard bench (bench/dashboard-latency.ts) and the long-range bench (bench/dashboard-long-range.ts) fill with it.
 */

export const TENANTS = ['acme-fitness', 'globex-travel', 'initech-bank', 'umbrella-health']
const FEATURES = ['chat_assistant', 'summarize', 'search_qa', 'image_caption', 'translate']
const MODELS = ['gpt-4o-mini', 'gemini-2.5-flash', 'claude-sonnet-4', 'gpt-4o', 'gpt-4.1-mini']
const INSTALLS = 40_000

/** One synthetic event per number: {span} ms of traffic ending at {end} (7 days here), 40k installs over 4 tenants, realistic type mix. */
export function generateSql(db: string): string {
  const arr = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(',')}]`
  return `
    INSERT INTO ${db}.events (ts, event_id, type, tenant_id, install_id, app_id, app_version, platform, device_model, os_version,
      device_fingerprint, ip_prefix, asn, country, feature, model, prompt_tokens, completion_tokens, context_tokens, prompt_bytes,
      cost_micros, cost_source, outcome, latency_ms, stream_id, transport, duration_ms, ttft_ms, end_reason, verdict, reasons,
      policy_version, rule_id, rule_kind, gateway_id, src_topic, src_partition, src_offset)
    SELECT
      fromUnixTimestamp64Milli(toInt64({end:Int64} - (h % {span:UInt64}))) AS ts,
      concat('b-', toString(n)) AS event_id,
      multiIf(r < 55, 'llm_request', r < 80, 'stream', r < 97, 'attestation', 'policy_denial') AS type,
      ${arr(TENANTS)}[1 + inst % 4] AS tenant_id,
      concat('i-', hex(inst)) AS install_id,
      concat('com.', tenant_id) AS app_id,
      ['1.0.0', '1.1.0', '1.2.0'][1 + bitShiftRight(h, 12) % 3] AS app_version,
      if(inst % 5 < 3, 'android', 'ios') AS platform,
      'Pixel 8' AS device_model, '14' AS os_version, hex(cityHash64(inst)) AS device_fingerprint,
      concat('10.', toString(inst % 200), '.0.0/24') AS ip_prefix, toUInt32(64500 + inst % 50) AS asn, 'US' AS country,
      if(type = 'attestation', '', ${arr(FEATURES)}[1 + bitShiftRight(h, 20) % 5]) AS feature,
      if(type IN ('llm_request', 'stream'), ${arr(MODELS)}[1 + bitShiftRight(h, 20) % 5], '') AS model,
      toUInt32(if(type IN ('llm_request', 'stream'), 200 + bitShiftRight(h, 40) % 3000, 0)) AS prompt_tokens,
      toUInt32(if(type IN ('llm_request', 'stream'), 30 + bitShiftRight(h, 44) % 600, 0)) AS completion_tokens,
      prompt_tokens AS context_tokens, prompt_tokens * 4 AS prompt_bytes,
      toUInt64(prompt_tokens * (1 + bitShiftRight(h, 20) % 5) + completion_tokens * 4 * (1 + bitShiftRight(h, 20) % 5)) AS cost_micros,
      if(type IN ('llm_request', 'stream'), 'catalog', 'none') AS cost_source,
      if(type = 'llm_request', 'served', '') AS outcome, toUInt32(400 + bitShiftRight(h, 30) % 2000) AS latency_ms,
      if(type = 'stream', concat('s-', toString(n)), '') AS stream_id, if(type = 'stream', 'sse', '') AS transport,
      toUInt32(if(type = 'stream', 1000 + bitShiftRight(h, 36) % 20000, 0)) AS duration_ms, toUInt32(if(type = 'stream', 400, 0)) AS ttft_ms,
      if(type = 'stream', 'completed', '') AS end_reason,
      multiIf(type != 'attestation', '', bitShiftRight(h, 50) % 20 = 0, 'rejected', 'accepted') AS verdict,
      if(verdict = 'rejected', [if(bitShiftRight(h, 52) % 2 = 0, 'emulator', 'token_expired')], []) AS reasons,
      toUInt64(if(type = 'policy_denial', 3, 0)) AS policy_version,
      if(type = 'policy_denial', concat(tenant_id, ':tokens_per_minute'), '') AS rule_id,
      if(type = 'policy_denial', if(bitShiftRight(h, 54) % 50 = 0, 'revoked', 'tokens_per_minute'), '') AS rule_kind,
      '' AS gateway_id, 'bench' AS src_topic, toUInt16(0) AS src_partition, n AS src_offset
    FROM (
      SELECT number + {offset:UInt64} AS n, cityHash64(number + {offset:UInt64}) AS h,
        bitShiftRight(h, 8) % ${INSTALLS} AS inst, bitShiftRight(h, 32) % 100 AS r
      FROM numbers({rows:UInt64})
    )`
}
