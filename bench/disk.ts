/**
 * Opens a finished benchmark store in its own process (chDB: one data
 * directory per process, and the process that wrote it has exited) and reports
 * rows, duplicates and compressed bytes per stored event.
 *   node --import tsx bench/disk.ts '{"dir":"...","database":"bench"}'
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { openEmbeddedStore } from './bench-store'

export interface DiskResult {
  rows: number
  duplicates: number
  /** Compressed bytes of the raw events table after merging, per row. */
  eventsBytesPerRow: number
  /** Everything ingest writes for an event: raw table, rollups, intents. */
  allBytesPerRow: number
  uncompressedBytesPerRow: number
}

const ROOT = join(__dirname, '..')

export function runTsxChild(script: string, arg: unknown, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(arg)], {
      cwd: ROOT,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${out.slice(-2000)}`))))
  })
}

export function resultLine<T>(output: string): T {
  const line = output.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`no RESULT line in child output: ${output.slice(-2000)}`)
  return JSON.parse(line.slice(7)) as T
}

export async function measureDisk(dir: string, database = 'bench', optimize = true): Promise<DiskResult> {
  return resultLine<DiskResult>(await runTsxChild('bench/disk.ts', { dir, database, optimize }))
}

async function child(a: { dir: string; database: string; optimize: boolean }) {
  const store = await openEmbeddedStore(a.dir, a.database)
  const q = async <T>(query: string) => (await (await store.client.query({ query, format: 'JSONEachRow' })).json<T>())[0]
  const db = a.database
  // Settled size, as the table sits after background merges.
  if (a.optimize) await store.client.command({ query: `OPTIMIZE TABLE ${db}.events FINAL`, clickhouse_settings: { optimize_throw_if_noop: 0 } })
  const r = await q<{ n: string; u: string }>(`SELECT count() AS n, uniqExact(event_id) AS u FROM ${db}.events`)
  const parts = await q<{ ev: string; all: string; raw: string }>(`SELECT sumIf(data_compressed_bytes, table = 'events') AS ev,
    sum(data_compressed_bytes) AS all, sumIf(data_uncompressed_bytes, table = 'events') AS raw
    FROM system.parts WHERE database = '${db}' AND active AND table NOT IN ('dead_letters')`)
  const rows = Number(r.n)
  const per = (x: string) => (rows > 0 ? Number(x) / rows : 0)
  console.log(
    `RESULT ${JSON.stringify({ rows, duplicates: rows - Number(r.u), eventsBytesPerRow: per(parts.ev), allBytesPerRow: per(parts.all), uncompressedBytesPerRow: per(parts.raw) })}`,
  )
  await store.close()
  process.exit(0)
}

if (process.argv[1]?.endsWith('disk.ts') && process.argv[2]) {
  child(JSON.parse(process.argv[2])).catch((e) => {
    console.error(`disk failed: ${e instanceof Error ? e.stack : e}`)
    process.exit(1)
  })
}
