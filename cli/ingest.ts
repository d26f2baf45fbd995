import { loadConfig } from '../lib/config'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { startIngest } from '../lib/runtime/ingest'

/**
 * `npm run ingest`: a standalone consumer (server mode). Start more of these
 * with the same KAFKA_GROUP to share partitions. SIGTERM/SIGINT stop fetching,
 * finish the batch in flight (insert, then commit) and exit.
 */
async function main() {
  const config = loadConfig({ INGEST_SOURCE: 'kafka', ...process.env })
  const store = await openStore(config)
  console.log(`[ingest] store ${store.mode} ${store.location}; kafka ${config.KAFKA_BROKERS} topic ${config.KAFKA_TOPIC} group ${config.KAFKA_GROUP}`)
  await migrate(store, { retentionDays: config.RETENTION_DAYS, log: (l) => console.log(`[ingest] ${l}`) })
  const handle = await startIngest(config, store)
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`[ingest] ${signal}: finishing the batch in flight`)
    await handle?.stop()
    await store.close()
    const h = handle?.metrics.snapshot()
    console.log(`[ingest] stopped: ${h?.eventsTotal ?? 0} events, ${h?.deadLettersTotal ?? 0} dead letters`)
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  setInterval(() => {
    const h = handle?.metrics.snapshot()
    if (h)
      console.log(
        `[ingest] ${h.eventsTotal} events (${h.eventsPerSec}/s), ${h.deadLettersTotal} dead letters, lag ${h.lag.reduce((s, l) => s + l.lag, 0)}${h.paused ? ', PAUSED: store unavailable' : ''}`,
      )
    // The same verdict as /api/ingest/health/status, so a log-based alert needs no HTTP probe.
    for (const p of h?.problems ?? []) console.log(`[ingest] ERROR: ${p}`)
  }, 10_000).unref()
}

main().catch((err) => {
  console.error(`[ingest] fatal: ${err instanceof Error ? err.stack : err}`)
  process.exit(1)
})
