import { loadConfig } from '../lib/config'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'

// `npm run db:migrate`: applies pending migrations to the configured store.
async function main() {
  const config = loadConfig()
  const store = await openStore(config)
  console.log(`store: ${store.mode} ${store.location}, database ${store.database}`)
  const result = await migrate(store, { retentionDays: config.RETENTION_DAYS, log: console.log })
  console.log(result.applied.length ? `applied ${result.applied.length}, now at ${result.current}` : `up to date at ${result.current}`)
  await store.close()
}

main().catch((err) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : err}`)
  process.exit(1)
})
