import type { Store } from '../clickhouse/client'
import { ensureAdmin } from '../auth/users'
import { settings } from '../config'
import { sharedKeyRing, type KeyRing } from './keys'
import { limitsFromEnv, type PolicyLimits } from './permissions'
import { PolicyPublisher } from './publisher'
import { policyService, type PolicyService } from './service'

export interface ControlPlane {
  store: Store
  service: PolicyService
  ring: KeyRing
  limits: PolicyLimits
  publisher: PolicyPublisher | null
}

type Log = (line: string) => void

export function kafkaPublishingEnabled(source: Record<string, string | undefined> = process.env): boolean {
  const env = settings(['POLICY_KAFKA', 'INGEST_SOURCE'], source)
  return env.POLICY_KAFKA === '1' || env.INGEST_SOURCE === 'kafka'
}

/**
 * Sign-in, policy and signing for one store: creates the first admin, loads
 * the policy log, loads or creates the signing keys, and in stack mode starts
 * the Kafka publisher. A publisher that cannot reach Kafka does not stop the
 * dashboard: it logs and keeps retrying in the background.
 */
export function startControls(store: Store, opts: { log?: Log; env?: NodeJS.ProcessEnv; stoppers?: (() => Promise<void>)[] } = {}): Promise<ControlPlane> {
  // Once per store per process, whoever calls first (app runtime at boot, or the first route).
  const g = globalThis as G
  const all = (g[KEY] ??= new Map())
  const id = `${store.location}#${store.database}`
  if (!all.has(id)) {
    const p = start(store, opts)
    p.catch(() => all.delete(id))
    all.set(id, p)
  }
  return all.get(id)!
}

const KEY = Symbol.for('burnrate.controls.started')
type G = typeof globalThis & { [KEY]?: Map<string, Promise<ControlPlane>> }

async function start(store: Store, opts: { log?: Log; env?: NodeJS.ProcessEnv; stoppers?: (() => Promise<void>)[] }): Promise<ControlPlane> {
  const source = opts.env ?? process.env
  const env = settings(
    ['BURNRATE_ADMIN_PASSWORD', 'DATA_DIR', 'POLICY_SIGNING_KEYS', 'POLICY_KEY_GRACE_HOURS', 'KAFKA_BROKERS', 'POLICY_TOPIC', 'KAFKA_CLIENT_ID'],
    source,
  )
  const log = opts.log ?? console.log
  await ensureAdmin(store, log, env.BURNRATE_ADMIN_PASSWORD)
  const service = policyService(store)
  await service.ready()
  opts.stoppers?.push(async () => service.stop())
  const ring = await sharedKeyRing({ dataDir: env.DATA_DIR, envKeys: env.POLICY_SIGNING_KEYS, graceHours: env.POLICY_KEY_GRACE_HOURS })
  let publisher: PolicyPublisher | null = null
  if (kafkaPublishingEnabled(source)) {
    const brokers = env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean)
    publisher = new PolicyPublisher({ brokers, topic: env.POLICY_TOPIC, clientId: env.KAFKA_CLIENT_ID, log }, service, ring)
    const p = publisher
    const startWithRetry = async (attempt = 0): Promise<void> => {
      try {
        await p.start()
        log(`[policy] publishing to Kafka topic ${env.POLICY_TOPIC}`)
      } catch (err) {
        log(`[policy] Kafka publisher not started (${(err as Error).message}); retrying`)
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * 2 ** attempt)))
        if (!stopped) return startWithRetry(attempt + 1)
      }
    }
    let stopped = false
    void startWithRetry()
    opts.stoppers?.push(async () => {
      stopped = true
      await p.stop()
    })
  }
  return { store, service, ring, limits: limitsFromEnv(source), publisher }
}
