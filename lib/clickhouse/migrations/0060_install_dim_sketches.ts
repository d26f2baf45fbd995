import type { Migration } from './types'

/** The sketch: HyperLogLog-backed uniqCombined at a fixed precision (2^14 registers, ~0.8 % standard error, exact below ~2k). */
export const INSTALL_SKETCH = 'uniqCombined(14)'

/** The dimensions a row is kept for; '' is the tenant's total (and so the tenant_id breakdown). */
const DIMS = `[('', ''), ('feature', feature), ('model', model), ('app_version', app_version), ('platform', platform)]`

const table = (time: string, granularity: number, db: string, onCluster: string, engine: (f: 'AggregatingMergeTree') => string, retentionDays: number) => `
    CREATE TABLE IF NOT EXISTS ${db}.installs_dim_${time}${onCluster} (
      ${time} DateTime('UTC'),
      tenant_id LowCardinality(String),
      dim LowCardinality(String),
      key LowCardinality(String),
      installs AggregateFunction(${INSTALL_SKETCH}, String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(${time})
    ORDER BY (dim, ${time}, tenant_id, key)
    TTL ${time} + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = ${granularity}, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`

/** Same filter as usage_minute.installs (every event but policy acks, with an install id). */
const fromEvents = (db: string) => `
    SELECT toStartOfMinute(ts) AS minute, tenant_id, d.1 AS dim, d.2 AS key, uniqCombinedState(14)(install_id) AS installs
    FROM ${db}.events ARRAY JOIN ${DIMS} AS d
    WHERE type != 'policy_ack' AND install_id != ''
    GROUP BY minute, tenant_id, dim, key`

const rollUp = (db: string, source: string, sourceTime: string, bucket: string, time: string) => `
    SELECT ${bucket}(${sourceTime}) AS ${time}, tenant_id, dim, key, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.${source}
    GROUP BY ${time}, tenant_id, dim, key`

/**
 * Active-install sketches per minute, hour and day, one row per tenant and
 * value of ONE dimension (plus the tenant total), in a small fixed-precision
 * sketch. Why: the cost breakdown and the KPIs merged usage_day/usage_hour's
 * `uniq` states, one per (tenant, feature, model, version, platform) group and
 * up to 64k hashes each; at 30 days that was ~18k large states and 0.4–1 s.
 * Here a 30-day breakdown by feature merges days × tenants × features
 * HyperLogLog states of at most 12 KB (~1,200 rows), the KPIs days × tenants.
 * States of uniq and uniqCombined do not merge, hence new tables; the old
 * columns stay for the views that still read them.
 *
 * Chained like 0051: events → minute → hour → day, so only the minute view
 * sees raw events (five rows per event after the ARRAY JOIN, grouped per
 * block). A sketch is a set union (HLL registers take the max), so a replayed
 * block or a backfill overlapping the view cannot skew a count.
 *
 * The backfill reads every stored event. Seeded history has no events: the
 * seed writes its own rows here (lib/seed/history.ts); a store seeded before
 * this migration shows no active installs for its seeded days.
 */
export const migration: Migration = {
  version: 60,
  name: 'per-dimension fixed-precision install sketches by minute, hour and day',
  statements: ({ db, onCluster, engine, retentionDays }) => [
    table('minute', 256, db, onCluster, engine, retentionDays),
    table('hour', 64, db, onCluster, engine, retentionDays),
    table('day', 32, db, onCluster, engine, retentionDays),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_dim_day_mv${onCluster} TO ${db}.installs_dim_day AS ${rollUp(db, 'installs_dim_hour', 'hour', 'toStartOfDay', 'day')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_dim_hour_mv${onCluster} TO ${db}.installs_dim_hour AS ${rollUp(db, 'installs_dim_minute', 'minute', 'toStartOfHour', 'hour')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.installs_dim_minute_mv${onCluster} TO ${db}.installs_dim_minute AS ${fromEvents(db)}`,
    `INSERT INTO ${db}.installs_dim_minute ${fromEvents(db)}`,
  ],
}
