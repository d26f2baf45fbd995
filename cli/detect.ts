import { loadConfig } from '../lib/config'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { startDetection } from '../lib/runtime/detector-runner'

/**
 * `npm run detect`: the detectors and alerting as their own process (server
 * mode). Run exactly one: alerts are deduplicated per process. SIGTERM/SIGINT
 * finish the run in flight and flush queued webhooks briefly before exiting.
 */
async function main() {
  const config = loadConfig()
  const store = await openStore(config)
  console.log(`[detect] store ${store.mode} ${store.location}`)
  await migrate(store, { retentionDays: config.RETENTION_DAYS, log: (l) => console.log(`[detect] ${l}`) })
  const handle = startDetection(store, config)
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`[detect] ${signal}: stopping`)
    await handle.stop()
    await store.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((err) => {
  console.error(`[detect] fatal: ${err instanceof Error ? err.stack : err}`)
  process.exit(1)
})
