import { hostname } from 'node:os'
import type { Config } from '../config'
import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { IngestMetrics, registerMetrics } from '../ingest/health'
import { KafkaSource } from '../ingest/kafka-source'
import { IngestPipeline } from '../ingest/pipeline'
import { prepareDepsFrom } from '../ingest/prepare'
import { ClickHouseSink } from '../ingest/sink'
import { SimulatorSource } from '../ingest/simulator-source'

export interface IngestHandle {
  metrics: IngestMetrics
  stop: () => Promise<void>
}

type Log = (line: string) => void

/** Wires source → pipeline → sink for the configured source (one way: nothing calls back), and reports health. */
export async function startIngest(config: Config, store: Store, log: Log = console.log): Promise<IngestHandle | null> {
  if (config.INGEST_SOURCE === 'none') return null
  const metrics = new IngestMetrics(config.INGEST_SOURCE)
  registerMetrics(metrics)
  const sink = new ClickHouseSink(store)
  const deps = prepareDepsFrom(config)
  const pipeline = new IngestPipeline(sink, deps, metrics, { retryMaxMs: config.INGEST_RETRY_MAX_MS })
  let source: { start(): Promise<void>; stop(): Promise<void> }
  if (config.INGEST_SOURCE === 'kafka') {
    source = new KafkaSource(
      {
        brokers: config.KAFKA_BROKERS.split(',')
          .map((b) => b.trim())
          .filter(Boolean),
        topic: config.KAFKA_TOPIC,
        groupId: config.KAFKA_GROUP,
        clientId: config.KAFKA_CLIENT_ID,
        maxBatchRows: config.INGEST_MAX_BATCH_ROWS,
        maxWaitMs: config.INGEST_MAX_WAIT_MS,
        fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        undecodable: config.INGEST_UNDECODABLE,
        shutdownGraceMs: config.INGEST_SHUTDOWN_GRACE_MS,
        log,
      },
      pipeline,
      store,
      metrics,
    )
  } else {
    const { GatewaySimulator, parseScenarioList } = await import('../simulator')
    const hasData = await storeHasEvents(store)
    const backfillMs = hasData ? 0 : config.SIM_BACKFILL_MINUTES * 60_000
    const now = Date.now()
    // A month of spend history under the backfill, written in the background (lib/seed/history.ts).
    if (!hasData) void import('../seed/history').then((m) => m.seedOnFirstStart(store, config, now - backfillMs, log))
    const scenarios = parseScenarioList(config.SIM_SCENARIOS)
    const simulator = new GatewaySimulator({
      seed: config.SIM_SEED,
      installs: config.SIM_INSTALLS,
      ratePerSec: config.SIM_RATE,
      scenarios,
      startMs: now - backfillMs,
      scenarioSettings: ongoingAttacks(scenarios, backfillMs),
    })
    // The simulated gateway enforces current policy, so a revocation really stops its attacker.
    const { withPolicyEnforcement } = await import('../simulator/enforced')
    source = new SimulatorSource(await withPolicyEnforcement(simulator, store), pipeline, {
      maxBatchRows: config.INGEST_MAX_BATCH_ROWS,
      maxWaitMs: config.INGEST_MAX_WAIT_MS,
      backfillFromMs: backfillMs > 0 ? now - backfillMs : undefined,
      log,
    })
  }
  await source.start()
  log(`[ingest] ${config.INGEST_SOURCE} source started`)
  const instanceId = `${hostname()}-${process.pid}`
  const statusTimer = setInterval(() => void writeStatus(store, instanceId, metrics), 5_000)
  return {
    metrics,
    stop: async () => {
      clearInterval(statusTimer)
      await source.stop()
      await writeStatus(store, instanceId, metrics)
    },
  }
}

/**
 * The embedded default is a demo as much as a dev loop: attacks start a few
 * minutes before "now" (inside the backfill when there is one) and keep going
 * for hours, so a person who opens the dashboard finds them in progress and
 * can watch a revocation turn the attacker's spend into policy denials.
 */
const ATTACK_LEAD_MS: Record<string, number> = { cost_spike: 20 * 60_000, emulator_farm: 15 * 60_000, stream_abuse: 12 * 60_000, prompt_bomber: 10 * 60_000 }

function ongoingAttacks(scenarios: string[], backfillMs: number) {
  return Object.fromEntries(
    scenarios.map((name) => [name, { offsetMs: Math.max(0, backfillMs - (ATTACK_LEAD_MS[name] ?? 10 * 60_000)), durationMs: 12 * 3_600_000 }]),
  )
}

async function storeHasEvents(store: Store): Promise<boolean> {
  const [row] = await selectRows<{ n: number }>(store, `SELECT count() AS n FROM ${store.database}.events`)
  return Number(row?.n ?? 0) > 0
}

async function writeStatus(store: Store, instanceId: string, metrics: IngestMetrics) {
  const health = metrics.snapshot()
  await store.client
    .insert({
      table: `${store.database}.ingest_status`,
      values: [{ at: Date.now(), instance_id: instanceId, source: health.source, health: JSON.stringify(health) }],
      format: 'JSONEachRow',
    })
    .catch(() => {}) // the store being down is already visible in lastError
}
