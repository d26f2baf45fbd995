import { openStore, type Store } from '../lib/clickhouse/client'

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
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
    CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
    CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD ?? '',
    CLICKHOUSE_DATABASE: database,
    CLICKHOUSE_CLUSTER: '',
    DATA_DIR: dataDir,
  })
