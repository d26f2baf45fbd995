import type { Migration } from './types'

/** Grouping spills to disk past 512 MB, so the backfill of a 100M-event store's minute sketches stays bounded. */
const BOUNDED = `SETTINGS max_bytes_before_external_group_by = 536870912, optimize_aggregation_in_order = 1`

/** Each tier of 0060/0063 and its index granularity there (the new tables hold about a quarter of the rows). */
const TIERS: [string, number][] = [
  ['minute', 256],
  ['quarter', 128],
  ['hour', 64],
  ['day', 32],
]

const acrossTenants = (db: string, time: string) => `
    SELECT ${time}, dim, key, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.installs_dim_${time}
    GROUP BY ${time}, dim, key`

/**
 * The per-dimension install sketches (migrations 0060 and 0063) merged across tenants: installs_all_minute,
 * _quarter, _hour and _day, one row per time, dimension and value. The dashboard's "all tenants" charts and tiles
 * merged one sketch per tenant and value (cost per install over 24 h merged ~1,100 sketches, the 30-day traffic chart
 * ~2,900 hour sketches): they now read a quarter of them. Only the tenant breakdown (and any view of one tenant)
 * still reads the per-tenant tables.
 *
 * A sketch is a set union: merging the tenants' sketches here or at query time gives the same registers, so every
 * count is identical to the per-tenant read. Each tier is fed by a view on the per-tenant table of the same tier, so
 * whatever lands there (the view chain from events, the seed's direct inserts, a backfill) lands here too. The
 * backfill merges every stored per-tenant sketch; overlapping the views is harmless for a union.
 */
export const migration: Migration = {
  version: 64,
  name: 'install sketches merged across tenants (installs_all_minute, _quarter, _hour, _day)',
  statements: ({ db, onCluster, engine, retentionDays }) =>
    TIERS.flatMap(([time, granularity]) => [
      `CREATE TABLE IF NOT EXISTS ${db}.installs_all_${time}${onCluster} (
      ${time} DateTime('UTC'),
      dim LowCardinality(String),
      key LowCardinality(String),
      installs AggregateFunction(uniqCombined(14), String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(${time})
    ORDER BY (dim, ${time}, key)
    TTL ${time} + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = ${granularity}, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_all_${time}_mv${onCluster} TO ${db}.installs_all_${time} AS ${acrossTenants(db, time)}`,
      `INSERT INTO ${db}.installs_all_${time} ${acrossTenants(db, time)} ${BOUNDED}`,
    ]),
}
