import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../lib/clickhouse/client'
import { settings } from '../../lib/config'
import { migrate } from '../../lib/clickhouse/migrate'
import type { Migration } from '../../lib/clickhouse/migrations/types'

/**
 * A migrated store for one test file: the ClickHouse server at CLICKHOUSE_URL
 * when set, else chDB on a fresh temp directory. Each call gets its own
 * database, so files never see each other's rows. `migrations` stops at an
 * older schema, for tests of a later migration's backfill.
 */
export async function testStore(prefix = 'test', opts: { migrations?: Migration[] } = {}): Promise<Store & { drop: () => Promise<void> }> {
  const database = `${prefix}_${process.pid}_${Date.now().toString(36)}`.replace(/[^A-Za-z0-9_]/g, '_')
  const dataDir = process.env.CLICKHOUSE_URL ? '' : mkdtempSync(join(tmpdir(), 'burnrate-chdb-'))
  const store = await openStore(storeConfig(database, dataDir))
  await migrate(store, { retentionDays: 30, migrations: opts.migrations })
  return {
    ...store,
    drop: async () => {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` }).catch(() => {})
      await store.close()
      // chDB keeps its files in the temp directory: a suite's worth of them filled /tmp between runs.
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const SERVER_KEYS = ['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'] as const

/**
 * The store settings a test process and a child process it spawns (ingest, CLIs) share: the server at
 * CLICKHOUSE_URL when set, else chDB in `dataDir`.
 */
export function storeConfig(database: string, dataDir: string) {
  return { ...settings(SERVER_KEYS), CLICKHOUSE_DATABASE: database, CLICKHOUSE_CLUSTER: '', DATA_DIR: dataDir }
}

/** Runs a query and returns its rows. */
export async function rows<T = Record<string, unknown>>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return rs.json<T>()
}
