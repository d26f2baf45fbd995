/**
 * The store's own ceiling for this schema on this machine: rows already
 * parsed and typed, moved with INSERT … SELECT inside the engine (no Kafka,
 * no JSON, no JavaScript) into `events` with the rollup views the dashboard
 * and detectors read, and, as the reference, into a copy of `events` that
 * feeds no view. Any consumer that writes these tables, ours or ClickHouse's
 * Kafka engine, spends at least this much CPU per event, so cores ÷ CPU per
 * row bounds the ingest rate whatever the consumer does.
 * Run alone: npx tsx bench/insert-ceiling.ts [rows] [reps]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { corpus } from './corpus'
import { fmt, fmtSummary, pairedRatios, summarize } from './stats'
import { writeThroughSink } from './through-sink'
import { openEmbeddedStore } from './bench-store'

interface Timed {
  rowsPerSec: number
  cpuUsPerRow: number
}
const DB = 'ceiling'
/** The sink's insert settings that bear on cost (lib/ingest/sink.ts), without the dedup token. */
const SETTINGS = { optimize_on_insert: 0, async_insert: 0 } as const

async function fill(store: Store, rows: number, log: (l: string) => void) {
  const values = (function* () {
    for (const r of corpus({ count: rows, tag: 'ceiling' })) yield r.value
  })()
  await writeThroughSink(store, values, {
    topic: 'ceiling',
    onProgress: (n) => {
      if (n % 100_000 === 0) log(`staged ${fmt(n)} rows`)
    },
  })
}

/** The staged rows cut into Memory tables of `chunk` rows, so a timed insert reads exactly its own rows. */
async function stageChunks(store: Store, rows: number, chunk: number): Promise<string[]> {
  const tables: string[] = []
  for (let from = 0, i = 0; from < rows; from += chunk, i++) {
    const name = `${DB}.staging_${chunk}_${i}`
    await store.client.command({
      query: `CREATE TABLE ${name} ENGINE = Memory AS SELECT * FROM ${DB}.staging WHERE src_offset >= ${from} AND src_offset < ${from + chunk}`,
    })
    tables.push(name)
  }
  return tables
}

/** One INSERT … SELECT per chunk table into `table`, one after the other, as a consumer's inserts come. */
async function timed(store: Store, table: string, chunks: string[], rows: number): Promise<Timed> {
  const cpu = process.cpuUsage()
  const t = performance.now()
  for (const c of chunks) await store.client.command({ query: `INSERT INTO ${DB}.${table} SELECT * FROM ${c}`, clickhouse_settings: SETTINGS })
  const wallS = (performance.now() - t) / 1000
  const used = process.cpuUsage(cpu)
  return { rowsPerSec: rows / wallS, cpuUsPerRow: (used.user + used.system) / rows }
}

async function emptyTables(store: Store, keep: string[]) {
  const rs = await store.client.query({
    query: `SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' AND name NOT IN {keep:Array(String)}`,
    query_params: { db: DB, keep },
    format: 'JSONEachRow',
  })
  for (const { name } of await rs.json<{ name: string }>()) await store.client.command({ query: `TRUNCATE TABLE ${DB}.${name}` })
}

export async function benchInsertCeiling(arg: { rows?: number; reps?: number; log?: (l: string) => void } = {}) {
  const rows = arg.rows ?? 200_000
  const reps = arg.reps ?? 3
  const log = arg.log ?? console.log
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-ceiling-'))
  const store = await openEmbeddedStore(dir, DB)
  try {
    await migrate(store, { retentionDays: 30 })
    await fill(store, rows, log)
    await store.client.command({ query: `CREATE TABLE ${DB}.staging ENGINE = Memory AS SELECT * FROM ${DB}.events` })
    await store.client.command({ query: `CREATE TABLE ${DB}.events_bare AS ${DB}.events` })
    // 65,536 rows: the Kafka engine's block (kafka_max_block_size); 25,000: about what one 16 MiB fetch gives the sink.
    const bigChunks = await stageChunks(store, rows, 65_536)
    const smallChunks = await stageChunks(store, rows, 25_000)
    const runs = { big: [] as Timed[], bare: [] as Timed[], small: [] as Timed[] }
    for (let rep = 0; rep <= reps; rep++) {
      // Emptied before each timed step, so no step pays for merging the parts of the one before.
      await emptyTables(store, ['schema_migrations'])
      const big = await timed(store, 'events', bigChunks, rows)
      await emptyTables(store, ['schema_migrations'])
      const small = await timed(store, 'events', smallChunks, rows)
      await emptyTables(store, ['schema_migrations'])
      const bare = await timed(store, 'events_bare', bigChunks, rows)
      // Rep 0 warms the engine's caches and the allocator; it is not counted.
      if (rep === 0) continue
      runs.big.push(big)
      runs.small.push(small)
      runs.bare.push(bare)
      log(
        `rep ${rep}/${reps}: events + views ${fmt(big.cpuUsPerRow, 1)} µs CPU/row in 65,536-row inserts, ${fmt(small.cpuUsPerRow, 1)} in 25,000-row inserts; events alone ${fmt(bare.cpuUsPerRow, 1)}`,
      )
    }
    const cores = availableParallelism()
    const ceiling = (t: Timed[]) => fmtSummary(summarize(t.map((x) => (cores * 1e6) / x.cpuUsPerRow)), 0, ' ev/s')
    const cpu = (t: Timed[]) =>
      `${fmt(summarize(t.map((x) => x.cpuUsPerRow)).median, 1)} µs CPU/row; wall ${fmtSummary(summarize(t.map((x) => x.rowsPerSec)), 0, ' rows/s')}`
    const ratio = (a: Timed[], b: Timed[]) =>
      fmt(
        pairedRatios(
          a.map((x) => 1 / x.cpuUsPerRow),
          b.map((x) => 1 / x.cpuUsPerRow),
        ).median,
        2,
      )
    const what = `INSERT … SELECT of ${fmt(rows)} parsed rows inside the engine into events + its rollup views (no Kafka, no JSON), ${cores} cores ÷ CPU per row`
    return {
      rows: [
        {
          metric: `${what}, 65,536-row inserts`,
          ours: `${ceiling(runs.big)} (${cpu(runs.big)})`,
          reference: `events alone, no views: ${ceiling(runs.bare)} (${cpu(runs.bare)})`,
          ratio: ratio(runs.big, runs.bare),
          target: '≥ 150k ev/s',
        },
        {
          metric: `${what}, 25,000-row inserts (the sink's batches)`,
          ours: `${ceiling(runs.small)} (${cpu(runs.small)})`,
          reference: `65,536-row inserts: ${ceiling(runs.big)}`,
          ratio: ratio(runs.small, runs.big),
          target: '',
        },
      ],
    }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('insert-ceiling.ts')) {
  benchInsertCeiling({ rows: Number(process.argv[2] ?? 200_000), reps: Number(process.argv[3] ?? 3) })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2))
      process.exit(0)
    })
    .catch((e) => {
      console.error(e)
      process.exit(1)
    })
}
