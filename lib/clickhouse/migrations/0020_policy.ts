import type { Migration } from './types'

/**
 * The policy log: append-only, one row per rule touched by a change. A change
 * (one version) may touch many rules at once, e.g. revoking a whole farm.
 * `before`/`after` hold the full rule as JSON ('' = no rule), so the current
 * policy is the latest `after` per rule_key and undo is "write `before` back".
 * Proposals wait for a second admin when global changes need two people.
 */
export const migration: Migration = {
  version: 20,
  name: 'policy change log and proposals',
  statements: ({ db, onCluster, engine }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.policy_changes${onCluster} (
      version UInt64,
      rule_key String,
      scope LowCardinality(String),
      subject String,
      at DateTime64(3, 'UTC'),
      author String,
      approved_by String,
      reason String,
      action LowCardinality(String),
      batch_size UInt32,
      undo_of UInt64,
      before String,
      after String
    ) ENGINE = ${engine('MergeTree')}
    ORDER BY (version, rule_key)`,

    `CREATE TABLE IF NOT EXISTS ${db}.policy_proposals${onCluster} (
      id String,
      created_at DateTime64(3, 'UTC'),
      author String,
      reason String,
      request String,
      status LowCardinality(String),
      decided_by String,
      decided_at DateTime64(3, 'UTC'),
      applied_version UInt64,
      updated_at DateTime64(3, 'UTC')
    ) ENGINE = ${engine('ReplacingMergeTree', 'updated_at')}
    ORDER BY id`,
  ],
}
