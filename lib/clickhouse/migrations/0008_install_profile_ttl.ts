import type { Migration } from './types'

/**
 * install_profile had no TTL, so it kept every install ever seen while the
 * events and minute rollups it summarizes expire after RETENTION_DAYS. An
 * install not seen for that long is now dropped too, matching the raw data
 * (its counters could no longer be recomputed from events anyway).
 *
 * last_seen is SimpleAggregateFunction(max, DateTime64): TTL reads the
 * stored value, which is the row's max after a merge. toDateTime keeps the
 * expression to the Date/DateTime that older servers require of a TTL, as
 * the events table does. A row is judged on its own: a long-lived install's
 * old row that has not merged with its newer rows by then expires alone, and
 * the install's first_seen and counters restart from what is left, as they
 * would if recomputed from the retained events.
 *
 * MODIFY TTL rewrites existing parts in the background (a mutation); the
 * ALTER itself returns at once.
 */
export const migration: Migration = {
  version: 8,
  name: 'retention TTL on install_profile',
  statements: ({ db, onCluster, retentionDays }) => [
    `ALTER TABLE ${db}.install_profile${onCluster} MODIFY TTL toDateTime(last_seen) + INTERVAL ${retentionDays} DAY`,
  ],
}
