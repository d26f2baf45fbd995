import type { Migration } from './types'

/**
 * Dashboard sessions ended before they expired (sign-out). A session cookie is
 * a signed token that would otherwise stay valid until it expires; every API
 * request checks its id against this table. A row is useless once the session
 * would have expired anyway, so it goes a day after that.
 */
export const migration: Migration = {
  version: 23,
  name: 'revoked sessions',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.revoked_sessions${onCluster} (
      session_id String,
      user_id String,
      revoked_at DateTime64(3, 'UTC'),
      expires_at DateTime('UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'revoked_at')}
    ORDER BY session_id
    TTL expires_at + INTERVAL 1 DAY`,
  ],
}
