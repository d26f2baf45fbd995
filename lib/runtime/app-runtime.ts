import { loadConfig } from '../config'
import { sharedStore, type Store } from '../clickhouse/client'
import { migrate } from '../clickhouse/migrate'
import { startIngest, type IngestHandle } from './ingest'
import { startDetection } from './detector-runner'
import { startControls } from '../policy/runtime'

export interface AppRuntime {
  store: Store
  ingest: IngestHandle | null
  /** Background loops started by other modules (detection, policy publishing), stopped on exit. */
  stoppers: (() => Promise<void>)[]
}

const GLOBAL_KEY = Symbol.for('burnrate.runtime')
type GlobalWithRuntime = typeof globalThis & { [GLOBAL_KEY]?: Promise<AppRuntime> }

/**
 * Everything the dashboard process runs besides serving pages: migrations,
 * and in the embedded default the simulator → ClickHouse ingest. Started once
 * per process from instrumentation.ts.
 */
export function startAppRuntime(log: (line: string) => void = console.log): Promise<AppRuntime> {
  const g = globalThis as GlobalWithRuntime
  g[GLOBAL_KEY] ??= (async () => {
    const config = loadConfig()
    const store = await sharedStore(config)
    log(`[burnrate] store: ${store.mode} ${store.location}`)
    const result = await migrate(store, { retentionDays: config.RETENTION_DAYS, log: (l) => log(`[burnrate] ${l}`) })
    log(`[burnrate] schema at migration ${result.current}`)
    const stoppers: AppRuntime['stoppers'] = []
    // Sign-in, the policy log and its publisher are up before traffic flows,
    // so the first-start admin password is printed at boot.
    await startControls(store, { log, stoppers })
    const ingest = await startIngest(config, store, log)
    const runtime: AppRuntime = { store, ingest, stoppers }
    // Embedded default: detectors run in the app process (server mode: `npm run detect`).
    if (config.DETECT_ENABLED === '1' && store.mode === 'embedded') runtime.stoppers.push(startDetection(store, config, log).stop)
    stopOnSignals(runtime, log)
    return runtime
  })()
  return g[GLOBAL_KEY]
}

/** Longest shutdown before the process exits anyway: inside Kubernetes' default 30 s grace period. */
const SHUTDOWN_TIMEOUT_MS = 25_000

/**
 * The app process owns SIGTERM/SIGINT: scripts/start.mjs runs `next start`
 * with NEXT_MANUAL_SIG_HANDLE=true, because Next's own handler exits as soon
 * as the HTTP server has closed, without waiting for any of this. In order:
 * ingest finishes the batch in flight (insert, then Kafka commit), detectors
 * finish their run, the policy publisher stops, the store closes. The HTTP
 * server keeps answering meanwhile (Next does not expose it to close first).
 * Repeated signals are ignored — a terminal's Ctrl-C reaches this process
 * both directly and through start.mjs.
 */
function stopOnSignals(runtime: AppRuntime, log: (line: string) => void) {
  if (process.env.NEXT_RUNTIME === 'nodejs' && !process.env.NEXT_MANUAL_SIG_HANDLE) {
    log('[burnrate] NEXT_MANUAL_SIG_HANDLE is not set: Next.js may exit on SIGTERM before ingest drains (npm start sets it)')
  }
  let stopping = false
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    setTimeout(() => {
      log(`[burnrate] shutdown took over ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting without finishing it`)
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS).unref()
    const step = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn()
      } catch (err) {
        log(`[burnrate] stopping ${name} failed: ${err instanceof Error ? err.message : err}`)
      }
    }
    log(`[burnrate] ${signal}: stopping ingest (finishing the batch in flight)`)
    if (runtime.ingest) {
      await step('ingest', runtime.ingest.stop)
      const m = runtime.ingest.metrics.snapshot()
      log(`[burnrate] ingest stopped: ${m.eventsTotal} events, ${m.deadLettersTotal} dead letters`)
    }
    // Reverse start order: detectors, then the policy publisher.
    for (const s of [...runtime.stoppers].reverse()) await step('background task', s)
    await step('store', runtime.store.close)
    log('[burnrate] stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

/** The store for route handlers; waits for migrations on a cold start. */
export async function appStore(): Promise<Store> {
  return (await startAppRuntime()).store
}
