/**
 * Long-range dashboard latency: every cost endpoint at 24 h, 7 d, 30 d and
 * 90 d on a store holding 30 days of events at ~40k installs, generated in
 * ClickHouse by the dashboard bench's generator (timestamps ordered, newest
 * first: fillSql), with merges left to run as
 * in production (no OPTIMIZE … FINAL). The raw-table equivalent is timed at
 * 7 d and 30 d in the same run. Also measured: what the install sketches
 * (migration 0060) add to ingest, as the time to insert the same events into
 * a fresh store with and without their views. The fill prints its rate and
 * may be capped in time (fillSeconds): the store measured is what it reached.
 *
 *   npx tsx bench/dashboard-long-range.ts [events] [fillSeconds] [ingestEvents]   (default 10000000 events, no time limit, 1M for the ingest comparison)
 *   npx tsx bench/dashboard-long-range.ts --reuse <dataDir> <database> <endMs> [only]   (measure a store left by a run;
 *     `only`: comma-separated parts of endpoints to measure, e.g. kpis,per_install; every endpoint without it)
 *   npx tsx bench/dashboard-long-range.ts --top-up <dataDir> <database> <endMs> <events>   (continue a fill its time limit stopped)
 *   npx tsx bench/dashboard-long-range.ts --ingest-only <events> <spanMinutes> [kpi|network]   (the ingest comparison alone: the install-sketch
 *     views, with `kpi` the KPI rollups' views of migration 0065, with `network` token reuse's install-network view)
 */
import { mkdtempSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { generateSql } from './dashboard-generator'
import { formatLongRange, measure, TARGET_MS, type LongRangeRow } from './long-range-measure'
import { openBenchStore } from './bench-store'

const DAY = 86_400_000
const SPAN_MS = 30 * DAY
/** Events per INSERT … SELECT: large blocks make few parts, so few merges run beside the fill. */
const CHUNK = 4_000_000
export interface LongRangeResult {
  rows: LongRangeRow[]
  events: number
  fillMs: number
  ingest: { events: number; withMs: number; withoutMs: number; extraUsPerEvent: number; ratio: number }
}

/** The views whose per-event cost the ingest comparison measures: by default the per-dimension install sketches (migrations 0060, 0063, 0064). */
const MEASURED_VIEWS = {
  label: 'the install-sketch views (0060, 0063, 0064)',
  names: [
    'installs_dim_minute_mv',
    'installs_dim_hour_mv',
    'installs_dim_day_mv',
    'installs_dim_quarter_mv',
    'installs_all_minute_mv',
    'installs_all_quarter_mv',
    'installs_all_hour_mv',
    'installs_all_day_mv',
  ],
}
/** `--ingest-only … kpi`: the KPI rollups' views (migration 0065) alone. */
const KPI_VIEWS = { label: 'the KPI rollup views (0065)', names: ['kpi_minute_sums_mv', 'kpi_minute_installs_mv', 'kpi_hour_mv', 'kpi_day_mv'] }
/** `--ingest-only … network`: token reuse's install-network view (0015; its device bounds since 0067). */
const NETWORK_VIEWS = { label: 'the install-network view (0015, 0067)', names: ['install_network_minute_mv'] }
const VIEW_SETS: Record<string, typeof MEASURED_VIEWS> = { kpi: KPI_VIEWS, network: NETWORK_VIEWS }

async function newStore(name: string, reuse?: { dataDir: string; database: string }): Promise<Store> {
  const store = await openBenchStore(reuse?.dataDir ?? mkdtempSync(join(tmpdir(), `burnrate-${name}-`)), reuse?.database ?? `${name}_${process.pid}`)
  await migrate(store, { retentionDays: 92 })
  return store
}

/** The dashboard generator's timestamp: a hash of the event number modulo the span, so any block spans the whole range. */
const HASHED_TS = 'toInt64({end:Int64} - (h % {span:UInt64}))'
/**
 * The fill's timestamp: event n of `total` lies n/total of the span before `end`, newest first, so each block covers
 * a slice of time as a Kafka block does (a 4M-event chunk of 100M over 30 days is ~29 h), the materialized views
 * aggregate it into few rows per minute and hour, and a fill stopped by its time limit holds the most recent days.
 */
const ORDERED_TS = 'toInt64({end:Int64} - 1 - intDiv((n - {base:UInt64}) * {span:UInt64}, {total:UInt64}))'

/** The dashboard bench's generator with either timestamp: the same tenants, installs, features, models and costs. */
export function fillSql(db: string, ordered: boolean): string {
  const sql = generateSql(db)
  if (!sql.includes(HASHED_TS)) throw new Error('bench/dashboard-generator.ts generateSql changed its timestamp expression; update ORDERED_TS')
  return ordered ? sql.replace(HASHED_TS, ORDERED_TS) : sql
}

/**
 * `ordered`: the fill's time-ordered timestamps, event `base + i` at i/total of the span before `end` (events below
 * `base` are the ingest comparison's); without it, timestamps are hashed over `spanMs`.
 */
async function insert(store: Store, end: number, offset: number, rows: number, spanMs = SPAN_MS, ordered?: { base: number; total: number }): Promise<number> {
  const t0 = performance.now()
  await store.client.command({
    query: fillSql(store.database, ordered !== undefined),
    query_params: { end, span: spanMs, offset, rows, base: ordered?.base ?? 0, total: ordered?.total ?? 1 },
    // Two insert threads and the views in parallel; blocks of 1M rows (min too), so each chunk writes a few large parts.
    clickhouse_settings: {
      max_insert_block_size: '1048576',
      min_insert_block_size_rows: '1048576',
      min_insert_block_size_bytes: '0',
      insert_deduplicate: 0,
      max_insert_threads: '2',
      parallel_view_processing: 1,
    },
  })
  return performance.now() - t0
}

/**
 * Blocks as the Kafka ingest writes them span seconds to minutes of traffic (a 200k-event block at 5,000 events/s is
 * 40 s), so a minute view groups each block into a few rows per tenant and key. The fill's blocks span 30 days, where
 * nearly every event is its own minute group: the ingest comparison uses time-local blocks, the production shape.
 */
const INGEST_SPAN_MS = 10 * 60_000

/**
 * What the install-sketch views (migration 0060) add per event: the same events inserted, alternately, into `store`
 * and into a second database of the same chDB (one data directory per process) without those views.
 */
export async function ingestCost(
  store: Store,
  end: number,
  events: number,
  spanMs: number,
  log: (l: string) => void,
  views = MEASURED_VIEWS,
): Promise<LongRangeResult['ingest']> {
  const without: Store = { ...store, database: `${store.database}_noviews` }
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${without.database}` })
  await migrate(without, { retentionDays: 92 })
  for (const v of views.names) await without.client.command({ query: `DROP VIEW ${without.database}.${v}` })
  let withMs = 0
  let withoutMs = 0
  for (let i = 0; i < 3; i++) {
    withoutMs += await insert(without, end, (i * events) / 2, events / 2, spanMs)
    withMs += await insert(store, end, (i * events) / 2, events / 2, spanMs)
  }
  const n = (3 * events) / 2
  const ingest = {
    events: n,
    withMs: Math.round(withMs),
    withoutMs: Math.round(withoutMs),
    extraUsPerEvent: Math.round((((withMs - withoutMs) * 1000) / n) * 100) / 100,
    ratio: Math.round((withMs / withoutMs) * 1000) / 1000,
  }
  log(
    `[bench:long-range] ingest of ${n.toLocaleString('en-US')} events in blocks spanning ${spanMs / 60_000} min: ${ingest.withMs} ms with ${views.label}, ${ingest.withoutMs} ms without (${ingest.extraUsPerEvent} µs/event, ×${ingest.ratio})`,
  )
  await store.client.command({ query: `DROP DATABASE ${without.database} SYNC` })
  return ingest
}

/** `reuse`: measure a store an earlier run left (its data directory and database, printed at the start), with migrations applied since; no fill, no ingest comparison. */
export async function benchLongRange(
  opts: {
    events?: number
    runs?: number
    ingestEvents?: number
    fillSeconds?: number
    reuse?: { dataDir: string; database: string; end: number; only?: string[] }
    log?: (l: string) => void
  } = {},
): Promise<LongRangeResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const events = opts.events ?? 10_000_000
  const runs = opts.runs ?? 20
  const end = opts.reuse?.end ?? Date.now()
  if (opts.reuse) {
    const store = await newStore('bench_lr', opts.reuse)
    await migrate(store, { retentionDays: 92 })
    // The generator's newest event is its `end`; without one given, use it.
    const rs = await store.client.query({ query: `SELECT toUnixTimestamp64Milli(max(ts)) + 1 AS e FROM ${store.database}.events`, format: 'JSONEachRow' })
    const newest = Number((await rs.json<{ e: string }>())[0].e)
    const rows = await measure(store, Number.isFinite(end) && end > 0 ? end : newest, await count(store), runs, log, opts.reuse.only)
    await store.close()
    return { rows, events: rows[0]?.events ?? 0, fillMs: 0, ingest: { events: 0, withMs: 0, withoutMs: 0, extraUsPerEvent: 0, ratio: 0 } }
  }

  const withViews = await newStore('bench_lr')
  log(`[bench:long-range] store: ${withViews.location} database ${withViews.database} end ${end}`)
  const ingestEvents = opts.ingestEvents ?? 1_000_000
  const ingest =
    ingestEvents > 0
      ? await ingestCost(withViews, end, ingestEvents, INGEST_SPAN_MS, log)
      : { events: 0, withMs: 0, withoutMs: 0, extraUsPerEvent: 0, ratio: 0 }
  const ingested = ingest.events
  const store = withViews
  // The fill stops at `events` or when `fillSeconds` have passed (a shared machine may not reach 100M in the time there is).
  const t0 = performance.now()
  const deadline = t0 + (opts.fillSeconds ?? Infinity) * 1000
  let filled = ingested
  while (filled < events && performance.now() < deadline) {
    const n = Math.min(CHUNK, events - filled)
    const ms = await insert(store, end, filled, n, SPAN_MS, { base: ingested, total: events - ingested })
    filled += n
    const rate = (filled - ingested) / ((performance.now() - t0) / 1000)
    log(
      `[bench:long-range] ${filled.toLocaleString('en-US')} / ${events.toLocaleString('en-US')} events (chunk ${Math.round(ms / 1000)} s, ${Math.round(rate).toLocaleString('en-US')} events/s, load ${loadavg()[0].toFixed(1)}, ETA ${Math.round((events - filled) / rate / 60)} min)`,
    )
  }
  const fillMs = Math.round(performance.now() - t0)
  if (filled < events) log(`[bench:long-range] fill stopped by the time limit at ${filled.toLocaleString('en-US')} events`)
  const rows = await measure(store, end, filled, runs, log)
  await store.close()
  return { rows, events: filled, fillMs, ingest }
}

/** Continues an ordered fill (no ingest comparison before it) from the events the store holds to `total`. */
async function topUp(reuse: { dataDir: string; database: string }, end: number, total: number) {
  const store = await newStore('bench_lr', reuse)
  const t0 = performance.now()
  const from = await count(store)
  for (let filled = from; filled < total;) {
    const n = Math.min(CHUNK, total - filled)
    const ms = await insert(store, end, filled, n, SPAN_MS, { base: 0, total })
    filled += n
    const rate = (filled - from) / ((performance.now() - t0) / 1000)
    console.log(
      `[bench:long-range] top-up ${filled.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events (chunk ${Math.round(ms / 1000)} s, ${Math.round(rate).toLocaleString('en-US')} events/s, load ${loadavg()[0].toFixed(1)})`,
    )
  }
  await store.close()
}

async function count(store: Store): Promise<number> {
  const rs = await store.client.query({ query: `SELECT count() AS n FROM ${store.database}.events`, format: 'JSONEachRow' })
  return Number((await rs.json<{ n: string }>())[0].n)
}

if (process.argv[1] && /dashboard-long-range\.ts$/.test(process.argv[1])) {
  // npx tsx bench/dashboard-long-range.ts <events> [fillSeconds] [ingestEvents] | --reuse <dataDir> <database> <endMs> | --ingest-only <events> <spanMinutes> [kpi|network]
  if (process.argv[2] === '--ingest-only') {
    newStore('bench_ingest')
      .then((store) =>
        ingestCost(
          store,
          Date.now(),
          Number(process.argv[3]),
          Number(process.argv[4]) * 60_000,
          console.log,
          VIEW_SETS[process.argv[5] ?? ''] ?? MEASURED_VIEWS,
        ),
      )
      .then(
        () => process.exit(0),
        (err) => {
          console.error(err)
          process.exit(1)
        },
      )
  } else if (process.argv[2] === '--top-up') {
    // A fill stopped by its time limit, continued to its total with the same ordered timestamps (then --reuse measures).
    const [dataDir, database, endMs, total] = process.argv.slice(3)
    topUp({ dataDir, database }, Number(endMs), Number(total)).then(
      () => process.exit(0),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  } else {
    const reuse =
      process.argv[2] === '--reuse'
        ? { dataDir: process.argv[3], database: process.argv[4], end: Number(process.argv[5]), only: process.argv[6]?.split(',').filter(Boolean) }
        : undefined
    benchLongRange({
      events: Number(process.argv[2] ?? 10_000_000),
      fillSeconds: reuse ? undefined : Number(process.argv[3] ?? Infinity),
      ingestEvents: process.argv[4] ? Number(process.argv[4]) : undefined,
      reuse,
    }).then(
      (res) => {
        console.log(`\n${formatLongRange(res)}`)
        process.exit(0)
      },
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
}

/** The section as `npm run bench -- --only long-range` reports it: one row per endpoint and range. */
export async function benchLongRangeSection(arg: {
  events?: number
  fillSeconds?: number
}): Promise<{ rows: { metric: string; ours: string; reference: string; ratio: string; target: string }[] }> {
  const res = await benchLongRange({ events: arg.events, fillSeconds: arg.fillSeconds })
  return {
    rows: res.rows.map((r) => ({
      metric: `${r.endpoint}, ${r.range}, ${r.events.toLocaleString('en-US')} events`,
      ours: `p50 ${r.p50} ms, p95 ${r.p95} ms (load avg ${r.load1})`,
      reference: r.raw_p95 === null ? '—' : `raw table p95 ${r.raw_p95} ms`,
      ratio: r.speedup === null ? '—' : `${r.speedup}×`,
      target: `p95 ≤ ${TARGET_MS} ms${r.range === '7d' || r.range === '30d' ? ', ≥ 10×' : ''}`,
    })),
  }
}
