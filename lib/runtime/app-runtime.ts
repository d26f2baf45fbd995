import { loadConfig } from '../config'
import { sharedStore, type Store } from '../clickhouse/client'
import { migrate } from '../clickhouse/migrate'
import { startIngest, type IngestHandle } from '../ingest/start'
import { startDetection } from '../detection/runner'
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
    const stop = async () => {
      for (const s of runtime.stoppers) await s().catch(() => {})
      await ingest?.stop().catch(() => {})
      process.exit(0)
    }
    process.once('SIGTERM', () => void stop())
    process.once('SIGINT', () => void stop())
    return runtime
  })()
  return g[GLOBAL_KEY]
}

/** The store for route handlers; waits for migrations on a cold start. */
export async function appStore(): Promise<Store> {
  return (await startAppRuntime()).store
}
