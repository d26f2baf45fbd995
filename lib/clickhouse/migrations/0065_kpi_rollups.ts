import type { Migration, MigrationContext } from './types'

/** The usage sums the overview KPIs show (usage_minute's names). */
const KPI_SUMS = [
  'cost_micros',
  'requests',
  'streams',
  'prompt_tokens',
  'completion_tokens',
  'attest_accepted',
  'attest_rejected',
  'stream_ms',
  'policy_denials',
  'upstream_errors',
]

/** Grouping spills to disk past 512 MB, so the backfill of a 100M-event store stays bounded (as 0063, 0064). */
const BOUNDED = `SETTINGS max_bytes_before_external_group_by = 536870912`

/** Each tier and its index granularity (as 0064's). */
const TIERS: [time: string, granularity: number][] = [
  ['minute', 256],
  ['hour', 64],
  ['day', 32],
]

/**
 * Per tenant and, in the grouping set without the tenant, for all tenants: tenant_id '' (the column's default; an
 * event's tenant_id is never empty, lib/events/fields.ts idField).
 */
const PER_TENANT_AND_ALL = (time: string) => `GROUP BY GROUPING SETS ((${time}, tenant_id), (${time}))`

/** The sums of a usage rollup (usage_minute, _hour, _day) per tenant and for all tenants; an empty sketch. */
const sumsOf = (db: string, time: string) => `
    SELECT ${time}, tenant_id, ${KPI_SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')}, uniqCombinedStateIf(14)('', 0) AS installs
    FROM ${db}.usage_${time}
    ${PER_TENANT_AND_ALL(time)}`

/** The tenant-total install sketches (dim '', migrations 0060 and 0064's source) per tenant and for all tenants; zero sums. */
const sketchesOf = (db: string, time: string) => `
    SELECT ${time}, tenant_id, ${KPI_SUMS.map((c) => `toUInt64(0) AS ${c}`).join(', ')}, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.installs_dim_${time} WHERE dim = ''
    ${PER_TENANT_AND_ALL(time)}`

/**
 * The backfill's sketches: per tenant from installs_dim_*, and for all tenants the same union already merged across
 * tenants by 0064's installs_all_* (the same registers as merging the tenants' sketches again, without the merges).
 */
const storedSketches = (db: string, time: string) => `
    SELECT ${time}, tenant_id, ${KPI_SUMS.map((c) => `toUInt64(0) AS ${c}`).join(', ')}, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.installs_dim_${time} WHERE dim = ''
    GROUP BY ${time}, tenant_id
    UNION ALL
    SELECT ${time}, '', ${KPI_SUMS.map((c) => `toUInt64(0) AS ${c}`).join(', ')}, uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.installs_all_${time} WHERE dim = ''
    GROUP BY ${time}`

/** A coarser tier from the finer one (the views' chain minute → hour → day). */
const rollUp = (db: string, source: string, sourceTime: string, bucket: string, time: string) => `
    SELECT ${bucket}(${sourceTime}) AS ${time}, tenant_id, ${KPI_SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
      uniqCombinedMergeState(14)(installs) AS installs
    FROM ${db}.${source}
    GROUP BY ${time}, tenant_id`

const table = ({ db, onCluster, engine, retentionDays }: MigrationContext, time: string, granularity: number) => `
    CREATE TABLE IF NOT EXISTS ${db}.kpi_${time}${onCluster} (
      ${time} DateTime('UTC'),
      tenant_id LowCardinality(String),
      ${KPI_SUMS.map((c) => `${c} SimpleAggregateFunction(sum, UInt64)`).join(',\n      ')},
      installs AggregateFunction(uniqCombined(14), String)
    ) ENGINE = ${engine('AggregatingMergeTree')}
    PARTITION BY toYYYYMM(${time})
    ORDER BY (tenant_id, ${time})
    TTL ${time} + INTERVAL ${retentionDays} DAY
    SETTINGS index_granularity = ${granularity}, non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000`

/**
 * kpi_minute, kpi_hour, kpi_day: the overview KPIs' sums and tenant-total install sketch in ONE small table per grain,
 * one row per time and tenant plus one for all tenants (tenant_id ''). Before, the KPIs read usage_minute/_hour/_day
 * for the sums and installs_all_* or installs_dim_* for the sketch: two table reads per tier, and in chDB a read that
 * finds rows costs ~4–5 ms however few (issue 17 probes, docs/benchmarks.md); here one per tier (7 d p50 50 → 30 ms in
 * the probe).
 *
 * Exact copies: each row holds what its sources hold for that time and tenant (integer sums; a sketch is a set union,
 * merged here or at query time to the same registers), so every KPI is identical to reading the sources.
 *
 * The minute tier is fed by two views, one on usage_minute (sums) and one on installs_dim_minute (sketches), so
 * whatever lands there (the view chains from events, the seed's direct inserts) lands here too; hours and days are
 * chained from it like 0051. The backfill fills each tier from the same tier of its sources (usage_hour for kpi_hour:
 * the figures the KPIs read before), each in one statement and only into an empty table, and the views are created
 * after it: migrations run before the consumer starts, so nothing is counted twice, also when a crash reruns it. On
 * the 100M-event bench store (30 days, 8.5M usage_minute rows, 173k tenant-total minute sketches) it took 68 s at
 * load 5–7, mostly reading and writing the minute sketches (kpi_minute: 216k rows, ~590 MiB on disk).
 */
export const migration: Migration = {
  version: 65,
  name: 'KPI rollups: sums and tenant-total install sketch per minute, hour and day (kpi_minute, _hour, _day)',
  statements: (ctx) => {
    const { db, onCluster } = ctx
    return [
      ...TIERS.map(([time, granularity]) => table(ctx, time, granularity)),
      ...TIERS.map(
        ([time]) => `INSERT INTO ${db}.kpi_${time}
    SELECT * FROM (${sumsOf(db, time)}
    UNION ALL ${storedSketches(db, time)})
    WHERE (SELECT count() FROM ${db}.kpi_${time}) = 0
    ${BOUNDED}`,
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.kpi_day_mv${onCluster} TO ${db}.kpi_day AS ${rollUp(db, 'kpi_hour', 'hour', 'toStartOfDay', 'day')}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.kpi_hour_mv${onCluster} TO ${db}.kpi_hour AS ${rollUp(db, 'kpi_minute', 'minute', 'toStartOfHour', 'hour')}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.kpi_minute_sums_mv${onCluster} TO ${db}.kpi_minute AS ${sumsOf(db, 'minute')}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.kpi_minute_installs_mv${onCluster} TO ${db}.kpi_minute AS ${sketchesOf(db, 'minute')}`,
    ]
  },
}
