import type { Migration } from './types'

/**
 * A retried insert is dropped by the events table, but its materialized views
 * still push the block to their targets, and a target drops it only if it
 * keeps a deduplication window of its own. Without this, every replay after a
 * crash was counted again in the rollups.
 */
const ROLLUPS = ['usage_minute', 'attestation_minute', 'install_minute', 'install_profile']

export const migration: Migration = {
  version: 4,
  name: 'deduplication window on rollup tables',
  statements: ({ db, onCluster }) =>
    ROLLUPS.map(
      (table) => `ALTER TABLE ${db}.${table}${onCluster} MODIFY SETTING non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,
    ),
}
