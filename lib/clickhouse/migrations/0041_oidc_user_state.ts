import type { Migration } from './types'

/**
 * OIDC users have no row in `users` (their identity provider owns them), so
 * until now an admin could not keep one out: revoking their sessions lasted
 * until their next sign-in. A row here with disabled = 1 refuses the user at
 * the OIDC callback and ends their live sessions at the next request. The
 * newest row per user wins.
 */
export const migration: Migration = {
  version: 41,
  name: 'OIDC user state (disable)',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.oidc_user_state${onCluster} (
      user_id String,
      disabled UInt8,
      updated_at DateTime64(3, 'UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'updated_at')}
    ORDER BY user_id`,
  ],
}
