import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Config } from '../config'
import { nativeSpool, type NativeInsert } from './native-spool'

export type StoreMode = 'server' | 'embedded'

export interface Store {
  client: ClickHouseClient
  mode: StoreMode
  database: string
  cluster: string
  /** Where the data lives, for logs: a URL without credentials, or a directory. */
  location: string
  /**
   * Embedded only: hands a ready-made insert body to chDB as bytes. The
   * client's insert turns every body into one JS string and prepends SET
   * statements that stay in force for the whole session; this path passes
   * the Buffer zero-copy and puts the settings on the INSERT itself.
   */
  rawInsert?: (params: RawInsert) => Promise<void>
  /** Embedded only: inserts a body in ClickHouse's Native format (see native-spool.ts). */
  insertNative?: (params: NativeInsert) => Promise<void>
  /** Closes the client and any connection the store opened for inserts. */
  close: () => Promise<void>
}

/**
 * Embedded only: chDB runs one query at a time per connection, so ingest
 * inserts get connections of their own. Two partitions then insert in
 * parallel, and dashboard queries never queue behind an insert.
 */
const INSERT_CONNECTIONS = 2

export interface RawInsert {
  table: string
  columns: readonly string[]
  format: 'JSONCompactEachRow' | 'JSONEachRow'
  body: Buffer
  settings: Record<string, string | number>
}

/** ClickHouse defaults of the settings that requests in lib/ override. */
const SESSION_DEFAULTS = {
  insert_deduplication_token: '',
  max_execution_time: 0,
  output_format_json_quote_64bit_integers: 1,
  max_insert_block_size: '1048449',
  date_time_input_format: 'basic',
  optimize_on_insert: 1,
} as const

type StoreConfig = Pick<Config, 'CLICKHOUSE_URL' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_DATABASE' | 'CLICKHOUSE_CLUSTER' | 'DATA_DIR'>

/**
 * The one way to reach ClickHouse: HTTP to a server when CLICKHOUSE_URL is
 * set, otherwise the embedded chDB engine behind the same client API, so every
 * query and migration is written once.
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const database = config.CLICKHOUSE_DATABASE
  const cluster = config.CLICKHOUSE_CLUSTER
  if (config.CLICKHOUSE_URL) {
    const url = new URL(config.CLICKHOUSE_URL)
    const client = createClient({
      url: config.CLICKHOUSE_URL,
      username: config.CLICKHOUSE_USER,
      password: config.CLICKHOUSE_PASSWORD,
      request_timeout: 60_000,
      compression: { request: false, response: true },
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
    url.username = ''
    url.password = ''
    return { client, mode: 'server', database, cluster, location: url.toString(), close: () => client.close() }
  }
  const dir = resolve(config.DATA_DIR)
  mkdirSync(dir, { recursive: true })
  // Loaded lazily so server-mode processes never load the native engine.
  const { createChdbConnection } = await import('chdb/connection')
  const connection = createChdbConnection({ path: dir })
  // chDB turns per-request settings into SET statements that outlive the
  // request in the shared session. Every request therefore restates the
  // defaults of each setting some request overrides, so an override lasts for
  // its own request only (one insert's dedup token must never deduplicate the
  // next insert, nor a dashboard's time limit cut a migration).
  const connect = () =>
    createClient({ connection: createChdbConnection({ path: dir }), clickhouse_settings: SESSION_DEFAULTS } as Parameters<typeof createClient>[0])
  const client = createClient({ connection, clickhouse_settings: SESSION_DEFAULTS } as Parameters<typeof createClient>[0])
  // Opened on first use: most processes that open a store (the web app on its
  // own, migrations, CLIs) never insert a batch.
  const inserters = new Array<ClickHouseClient | undefined>(INSERT_CONNECTIONS).fill(undefined)
  const runOnInserter = (i: number) => (query: string) => (inserters[i] ??= connect()).command({ query })
  const rawInsert = async (p: RawInsert) => {
    await connection.chdb.rawInsert({ table: p.table, columns: p.columns, format: p.format, values: p.body, settings: p.settings })
  }
  const insertNative = nativeSpool(
    join(dir, 'ingest-spool'),
    Array.from({ length: INSERT_CONNECTIONS }, (_, i) => runOnInserter(i)),
  )
  const close = async () => {
    await Promise.all(inserters.map((c) => c?.close()))
    await client.close()
  }
  return { client, mode: 'embedded', database, cluster: '', location: dir, rawInsert, insertNative, close }
}

const GLOBAL_KEY = Symbol.for('burnrate.store')
type GlobalWithStore = typeof globalThis & { [GLOBAL_KEY]?: Promise<Store> }

/**
 * Process-wide store. Next.js may load this module in more than one bundle;
 * keeping the handle on globalThis means one chDB session per process, which
 * is all chDB allows on a data directory.
 */
export function sharedStore(config: StoreConfig): Promise<Store> {
  const g = globalThis as GlobalWithStore
  g[GLOBAL_KEY] ??= openStore(config)
  return g[GLOBAL_KEY]
}
