import { openStore, type Store } from '../lib/clickhouse/client'
import { settings } from '../lib/config'

/** Embedded chDB on `dataDir`: for benchmarks that measure the engine inside this process, whatever CLICKHOUSE_URL says. */
export const openEmbeddedStore = (dataDir: string, database: string): Promise<Store> =>
  openStore({
    CLICKHOUSE_URL: undefined,
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_PASSWORD: '',
    CLICKHOUSE_DATABASE: database,
    CLICKHOUSE_CLUSTER: '',
    DATA_DIR: dataDir,
  })

/** The ClickHouse server of CLICKHOUSE_URL (with its user and password) when set, else embedded chDB on `dataDir`. */
export const openBenchStore = (dataDir: string, database: string): Promise<Store> =>
  openStore({
    ...settings(['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD']),
    CLICKHOUSE_DATABASE: database,
    CLICKHOUSE_CLUSTER: '',
    DATA_DIR: dataDir,
  })
