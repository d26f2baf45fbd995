import type { Migration } from './types'

/**
 * Dashboard sessions ended before they expired. A session cookie is a signed
 * token that would otherwise stay valid until it expires; every API request
 * checks it against this table. A row names one session (sign-out), or, with
 * an empty session_id, every session of the user issued before revoked_at
 * (the account was disabled or its password changed). A row is useless once
 * the sessions it names would have expired anyway, so it goes a day after.
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
    ORDER BY (user_id, session_id)
    TTL expires_at + INTERVAL 1 DAY`,
  ],
}
