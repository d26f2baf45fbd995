import type { Migration } from './types'

/**
 * Failed sign-ins expire from the audit log after 30 days; nothing else ever
 * does. Anyone can add a failed sign-in (no account needed, random user names
 * welcome), so without a TTL the log grows for as long as someone cares to
 * send them. The per-name and per-address limits bound the rate; this bounds
 * the total. 30 days covers an investigation of a guessing campaign.
 *
 * The TTL's WHERE names the one action, so policy changes, user changes,
 * sign-ins, exports and every other entry stay forever whatever
 * RETENTION_DAYS says. MODIFY TTL applies to existing parts in the background.
 */
export const FAILED_SIGNIN_RETENTION_DAYS = 30

export const migration: Migration = {
  version: 40,
  name: 'audit log: failed sign-ins expire after 30 days',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.audit_log${onCluster} MODIFY TTL toDateTime(at) + INTERVAL ${FAILED_SIGNIN_RETENTION_DAYS} DAY DELETE WHERE action = 'auth.signin_failed'`,
  ],
}
