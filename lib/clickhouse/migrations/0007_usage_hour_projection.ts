import type { Migration } from './types'

/** Every counter usage_minute sums, and the one it maximises. */
const SUMS = ['requests', 'streams', 'served', 'upstream_errors', 'cut_by_policy', 'prompt_tokens', 'completion_tokens', 'cost_micros',
  'stream_ms', 'attest_accepted', 'attest_rejected', 'policy_denials']
const HOUR_KEYS = 'tenant_id, toStartOfHour(minute), feature, model, app_version, platform'

/**
 * usage_minute pre-aggregated per hour, inside the table as a projection.
 * Queries over a day or a week read whole hours from here (lib/queries/
 * usage-hours.ts): at 10M events, merging 1,440 install sketches per
 * dimension group a day was what made the 24-hour cost breakdown slower
 * than scanning raw events.
 *
 * A projection rather than an hourly table fed by a view: it is written in
 * the same part as the minutes it sums, so it can never count a minute twice
 * or miss one, and MATERIALIZE PROJECTION fills it for data stored before,
 * a mutation that is safe while ingest runs. A separate table would need a
 * backfill racing the view. Merges of an AggregatingMergeTree combine rows,
 * so they must rebuild the projection rather than merge it as stored.
 */
export const migration: Migration = {
  version: 7,
  name: 'hourly projection on usage_minute',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.usage_minute${onCluster} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
    `ALTER TABLE ${db}.usage_minute${onCluster} ADD PROJECTION IF NOT EXISTS usage_by_hour (
      SELECT ${HOUR_KEYS}, ${SUMS.map((c) => `sum(${c})`).join(', ')}, max(max_context_tokens), uniqMergeState(installs)
      GROUP BY ${HOUR_KEYS})`,
    `ALTER TABLE ${db}.usage_minute${onCluster} MATERIALIZE PROJECTION usage_by_hour SETTINGS mutations_sync = 2`,
  ],
}
