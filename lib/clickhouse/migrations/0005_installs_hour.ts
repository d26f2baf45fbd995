import type { Migration } from './types'

/** The view and the backfill must aggregate identically, or backfilled hours would count differently. */
const hourlySketches = (db: string) => `
    SELECT toStartOfHour(ts) AS hour, tenant_id, uniqStateIf(install_id, install_id != '') AS installs
    FROM ${db}.events
    WHERE type != 'policy_ack'
    GROUP BY hour, tenant_id`

/**
 * Install sketches per hour and tenant. Over 24 h, merging usage_minute's
 * per-minute sketches (1440 minutes × every feature/model/version/platform
 * group) dominated the overview's active-installs figure; whole hours read
 * from here, only the window's partial edge hours from usage_minute.
 *
 * Same filter and state type as usage_minute.installs, so states from both
 * tables merge into one uniq. Its own deduplication window, like the other
 * rollups (0004), so a replayed block is not merged twice.
 *
 * A row is one large sketch (~30 KB at 8k installs an hour), and a sketch is
 * decoded in full whenever its granule is read: at the default granularity a
 * 24 h query decoded every hour of the month on one thread (~110 ms at 40k
 * installs); granules of 8 rows read only the hours asked, in parallel (~40 ms).
 *
 * The backfill reads all stored events. Rows the view also delivers while it
 * runs are merged twice, which a uniq state absorbs (a set union), so the
 * order of view and backfill, or a rerun after a crash, cannot skew counts.
 */
export const migration: Migration = {
  version: 5,
  name: 'hourly install sketches for active installs over long ranges',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.installs_hour${onCluster} (
      hour DateTime('UTC'),
      tenant_id LowCardinality(String),
      installs AggregateFunction(uniq, String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(hour)
    ORDER BY (tenant_id, hour)
    TTL hour + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = 8, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,

    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_hour_mv${onCluster} TO ${db}.installs_hour AS ${hourlySketches(db)}`,

    `INSERT INTO ${db}.installs_hour (hour, tenant_id, installs) ${hourlySketches(db)}`,
  ],
}
