import type { Migration } from './types'

/**
 * Tighter codecs on the raw events table, measured on 400k bench events after
 * OPTIMIZE FINAL (docs/benchmarks.md, disk row):
 *  - LowCardinality columns had no codec, so their index streams fell back to
 *    LZ4;
 *  - DoubleDelta suits a clock, but rows are sorted by install first, so ts and
 *    ingested_at jump at every install boundary: T64 packs ts better, and
 *    ingested_at (one value per insert) is best left to ZSTD alone;
 *  - ZSTD(3) over ZSTD(1) costs a few ms per 20k-row insert.
 * New parts use these codecs; existing parts are rewritten as they merge.
 */
const CODECS: Record<string, string> = {
  ts: 'T64, ZSTD(3)',
  ingested_at: 'ZSTD(3)',
  src_offset: 'T64, ZSTD(3)',
  ...Object.fromEntries(['event_id', 'install_id', 'device_fingerprint', 'stream_id'].map((c) => [c, 'ZSTD(3)'])),
  ...Object.fromEntries(
    [
      'prompt_tokens',
      'completion_tokens',
      'context_tokens',
      'prompt_bytes',
      'cost_micros',
      'latency_ms',
      'duration_ms',
      'ttft_ms',
      'policy_version',
      'asn',
    ].map((c) => [c, 'T64, ZSTD(3)']),
  ),
  ...Object.fromEntries(
    [
      'type',
      'tenant_id',
      'app_id',
      'app_version',
      'platform',
      'device_model',
      'os_version',
      'ip_prefix',
      'country',
      'feature',
      'model',
      'cost_source',
      'outcome',
      'transport',
      'end_reason',
      'verdict',
      'reasons',
      'rule_id',
      'rule_kind',
      'gateway_id',
      'src_topic',
      'src_partition',
    ].map((c) => [c, 'ZSTD(3)']),
  ),
}

export const migration: Migration = {
  version: 6,
  name: 'tighter codecs on events',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.events${onCluster} ${Object.entries(CODECS)
      .map(([column, codec]) => `MODIFY COLUMN ${column} CODEC(${codec})`)
      .join(', ')}`,
  ],
}
