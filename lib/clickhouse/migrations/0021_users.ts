import type { Migration } from './types'

/**
 * Local dashboard users (embedded default; OIDC users are not stored).
 * ReplacingMergeTree: the newest row per user wins, read with FINAL.
 * Only scrypt hashes are stored, never a password.
 */
export const migration: Migration = {
  version: 21,
  name: 'local users',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.users${onCluster} (
      user_id String,
      display_name String,
      role LowCardinality(String),
      password_hash String,
      disabled UInt8,
      updated_at DateTime64(3, 'UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'updated_at')}
    ORDER BY user_id`,
  ],
}
