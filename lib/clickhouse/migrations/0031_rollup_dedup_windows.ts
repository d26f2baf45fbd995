import type { Migration } from './types'

/**
 * The deduplication window 0004 gave the first rollups, for
 * install_network_minute (0015), which counts events and had none. A range
 * replayed after a crash is dropped by `events` through its dedup token, but
 * its views still deliver their blocks, and a target drops a block only if it
 * keeps a window of its own: without it the replay was counted twice there. tests/integration/rollup-dedup.test.ts
 * fails for any counting view target left without a window (targets holding
 * only min, max, uniq or anyLast, like open_stream_minute, need none).
 */
const TABLES = ['install_network_minute']

export const migration: Migration = {
  version: 31,
  name: 'deduplication window on install_network_minute',
  statements: ({ db, onCluster }) =>
    TABLES.map(
      (table) => `ALTER TABLE ${db}.${table}${onCluster} MODIFY SETTING non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,
    ),
}
