import { z } from 'zod'

/**
 * Every environment variable Burnrate reads, with its default. The README's
 * configuration table is generated from `configDocs` so the two cannot drift.
 */
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def)

export const configSchema = z.object({
  CLICKHOUSE_URL: z.string().url().optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('burnrate'),
  CLICKHOUSE_CLUSTER: z.string().regex(/^[A-Za-z0-9_-]*$/).default(''),
  DATA_DIR: z.string().default('./data'),
  RETENTION_DAYS: int(90, 1, 3650),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  KAFKA_TOPIC: z.string().default('gateway-events'),
  KAFKA_GROUP: z.string().default('burnrate-ingest'),
  KAFKA_CLIENT_ID: z.string().default('burnrate'),
  INGEST_SOURCE: z.enum(['simulator', 'kafka', 'none']).default('simulator'),
  INGEST_MAX_BATCH_ROWS: int(20_000, 1, 1_000_000),
  INGEST_MAX_WAIT_MS: int(1_000, 10, 60_000),
  INGEST_MAX_MESSAGE_BYTES: int(65_536, 256, 10_485_760),
  INGEST_MAX_FUTURE_SKEW_MS: int(5 * 60_000, 0),
  INGEST_MAX_PAST_AGE_MS: int(30 * 86_400_000, 60_000),
  INGEST_RETRY_MAX_MS: int(30_000, 100),
  SIM_SEED: int(42),
  SIM_RATE: int(200, 1, 1_000_000),
  SIM_INSTALLS: int(3_000, 10, 1_000_000),
  SIM_SCENARIOS: z.string().default('prompt_bomber,emulator_farm,cost_spike,stream_abuse'),
  SIM_BACKFILL_MINUTES: int(60, 0, 7 * 24 * 60),
  PORT: int(3000, 1, 65535),
})

export type Config = z.infer<typeof configSchema>

export const configDocs: Record<keyof Config, string> = {
  CLICKHOUSE_URL: 'HTTP URL of a ClickHouse server. Unset: embedded chDB on DATA_DIR.',
  CLICKHOUSE_USER: 'ClickHouse user (server mode).',
  CLICKHOUSE_PASSWORD: 'ClickHouse password (server mode). Never logged.',
  CLICKHOUSE_DATABASE: 'Database that holds all Burnrate tables.',
  CLICKHOUSE_CLUSTER: 'Cluster name: migrations emit ON CLUSTER and Replicated engines. Empty: single node.',
  DATA_DIR: 'chDB data directory (embedded mode). One process at a time may open it.',
  RETENTION_DAYS: 'Raw events and dead letters are dropped after this many days (TTL).',
  KAFKA_BROKERS: 'Comma-separated Kafka bootstrap brokers.',
  KAFKA_TOPIC: 'Topic the gateway writes events to (key: install id).',
  KAFKA_GROUP: 'Consumer group of the ingest processes.',
  KAFKA_CLIENT_ID: 'Kafka client id prefix.',
  INGEST_SOURCE: 'simulator (embedded default), kafka (server mode) or none (dashboard only).',
  INGEST_MAX_BATCH_ROWS: 'Largest insert into ClickHouse, in events.',
  INGEST_MAX_WAIT_MS: 'Longest an event waits in a batch before it is inserted.',
  INGEST_MAX_MESSAGE_BYTES: 'Messages larger than this are dead-lettered as too_large.',
  INGEST_MAX_FUTURE_SKEW_MS: 'Events stamped further in the future are dead-lettered.',
  INGEST_MAX_PAST_AGE_MS: 'Events older than this are dead-lettered.',
  INGEST_RETRY_MAX_MS: 'Ceiling of the back-off between insert retries while the store is down.',
  SIM_SEED: 'Seed of the gateway simulator (same seed, same traffic).',
  SIM_RATE: 'Simulated events per second.',
  SIM_INSTALLS: 'Number of simulated legitimate installs.',
  SIM_SCENARIOS: 'Comma-separated attack scenarios the simulator plays (empty: none).',
  SIM_BACKFILL_MINUTES: 'Minutes of history the simulator writes on first start so charts are not empty.',
  PORT: 'HTTP port of the dashboard.',
}

let cached: Config | undefined

/** Parses the environment once; a bad value stops the process with a message naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env === process.env && cached) return cached
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  if (env === process.env) cached = parsed.data
  return parsed.data
}
