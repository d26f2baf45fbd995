import { z } from 'zod'

/**
 * Every environment variable Burnrate reads, with its default. The README's
 * configuration table is generated from `configDocs` so the two cannot drift.
 */
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def)

export const configSchema = z.object({
  CLICKHOUSE_URL: z.string().url().optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default('burnrate'),
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default(''),
  DATA_DIR: z.string().default('./data'),
  RETENTION_DAYS: int(90, 1, 3650),
  PRICING_FILE: z.string().default(''),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  KAFKA_TOPIC: z.string().default('gateway-events'),
  KAFKA_GROUP: z.string().default('burnrate-ingest'),
  KAFKA_CLIENT_ID: z.string().default('burnrate'),
  KAFKA_SESSION_TIMEOUT_MS: int(30_000, 6_000, 300_000),
  KAFKA_FETCH_BYTES_PER_PARTITION: int(16 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
  INGEST_SOURCE: z.enum(['simulator', 'kafka', 'none']).default('simulator'),
  INGEST_MAX_BATCH_ROWS: int(65_536, 1, 1_000_000),
  INGEST_MAX_WAIT_MS: int(1_000, 10, 60_000),
  INGEST_MAX_MESSAGE_BYTES: int(65_536, 256, 10_485_760),
  INGEST_MAX_FUTURE_SKEW_MS: int(5 * 60_000, 0),
  INGEST_MAX_PAST_AGE_MS: int(30 * 86_400_000, 60_000),
  INGEST_RETRY_MAX_MS: int(30_000, 100),
  INGEST_UNDECODABLE: z.enum(['hold', 'dead-letter']).default('hold'),
  INGEST_SHUTDOWN_GRACE_MS: int(15_000, 1_000, 600_000),
  SIM_SEED: int(42),
  SIM_RATE: int(200, 1, 1_000_000),
  SIM_INSTALLS: int(3_000, 10, 1_000_000),
  SIM_SCENARIOS: z.string().default('prompt_bomber,emulator_farm,cost_spike,stream_abuse'),
  SIM_BACKFILL_MINUTES: int(60, 0, 7 * 24 * 60),
  SEED_HISTORY_DAYS: int(30, 0, 92),
  PORT: int(3000, 1, 65535),
  // Controls: policy, sign-in, audit (lib/policy, lib/auth). Secrets here are never logged.
  POLICY_KAFKA: z.enum(['0', '1']).default('0'),
  POLICY_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('burnrate-policy'),
  POLICY_SIGNING_KEYS: z.string().optional(),
  POLICY_KEY_GRACE_HOURS: int(168, 1, 24 * 365),
  // A short token is guessable: refuse to start with one rather than silently ignore it (the message names the gateway, never the token).
  POLICY_GATEWAY_TOKENS: z
    .string()
    .optional()
    .superRefine((spec, ctx) => {
      for (const part of (spec ?? '').split(',').filter((p) => p.trim() !== '')) {
        const i = part.indexOf('=')
        const name = i > 0 ? part.slice(0, i).trim() : ''
        const length = i > 0 ? part.slice(i + 1).trim().length : 0
        if (!name) ctx.addIssue({ code: 'custom', message: 'each entry must be name=token' })
        else if (length < 24)
          ctx.addIssue({
            code: 'custom',
            message: `the token of gateway "${name}" has ${length} characters; at least 24 are needed (e.g. openssl rand -hex 24)`,
          })
      }
    }),
  POLICY_RESPONDER_MAX_INSTALLS: int(50, 1, 1_000_000),
  POLICY_RESPONDER_MAX_HOURS: int(24, 1, 24 * 365),
  POLICY_SECOND_APPROVER: z.enum(['0', '1']).default('0'),
  SESSION_SECRET: z.string().min(32).optional(),
  AUTH_COOKIE_SECURE: z.enum(['auto', '0', '1']).default('auto'),
  PUBLIC_URL: z.string().url().optional(),
  BURNRATE_ADMIN_PASSWORD: z.string().min(12).optional(),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_REDIRECT_URL: z.string().url().optional(),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_ROLE_CLAIM: z.string().default('groups'),
  OIDC_ADMIN_GROUPS: z.string().default(''),
  OIDC_RESPONDER_GROUPS: z.string().default(''),
  OIDC_VIEWER_GROUPS: z.string().default(''),
  OIDC_DEFAULT_ROLE: z.enum(['none', 'viewer']).default('none'),
  OIDC_SESSION_MINUTES: int(60, 5, 480),
  TRUSTED_PROXY_HOPS: int(0, 0, 16),
  // Detection and alerts (lib/detection, lib/alerts); see docs/detection.md.
  DETECT_ENABLED: z.enum(['0', '1']).default('1'),
  DETECT_INTERVAL_MS: int(30_000, 1_000, 3_600_000),
  DETECT_WINDOW_MINUTES: int(15, 2, 24 * 60),
  DETECT_Z_ALERT: z.coerce.number().min(2).max(50).default(6),
  DETECT_MIN_REQUESTS: int(5, 1, 1_000_000),
  DETECT_FARM_MIN_SIZE: int(5, 2, 100_000),
  DETECT_FARM_WINDOW_MINUTES: int(60, 5, 7 * 24 * 60),
  DETECT_FARM_WAKE_SILENCE_MINUTES: int(15, 2, 24 * 60),
  DETECT_COST_WINDOW_MINUTES: int(5, 1, 24 * 60),
  DETECT_COST_MIN_RATIO: z.coerce.number().min(1.05).max(100).default(1.5),
  DETECT_COST_MIN_REQUESTS: int(20, 1, 1_000_000),
  DETECT_COST_VOLUME_MIN_INSTALLS: int(20, 2, 1_000_000),
  DETECT_COST_VOLUME_MIN_RATIO: z.coerce.number().min(1.05).max(100).default(1.25),
  DETECT_COST_PRICE_MIN_RATIO: z.coerce.number().min(1.01).max(100).default(1.1),
  DETECT_COST_SUSTAINED_MINUTES: int(20, 4, 24 * 60),
  DETECT_COST_SUSTAINED_MIN_RATIO: z.coerce.number().min(1.05).max(100).default(1.2),
  DETECT_ZOMBIE_MIN_MS: int(5 * 60_000, 60_000),
  DETECT_ZOMBIE_MAX_TOKENS_PER_SEC: z.coerce.number().min(0).max(1_000).default(1),
  DETECT_ZOMBIE_FEATURE_RATE_FRACTION: z.coerce.number().min(0).max(1).default(0.1),
  DETECT_OPEN_STREAM_PAIR_RATE: z.coerce.number().min(0.001).max(0.9).default(0.02),
  DETECT_OPEN_STREAM_TAIL_MS: int(60_000, 1_000),
  DETECT_SPREAD_MEMBER_ALPHA: z.coerce.number().min(0).max(1).default(0.05),
  ALERT_KEEP_RATIO: z.coerce.number().min(0.1).max(1).default(0.7),
  ALERT_RESOLVE_AFTER_MS: int(10 * 60_000, 0),
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_URL_WARNING: z.string().url().optional(),
  ALERT_WEBHOOK_URL_CRITICAL: z.string().url().optional(),
  ALERT_WEBHOOK_SECRET: z.string().optional(),
  ALERT_WEBHOOK_MIN_SEVERITY: z.enum(['info', 'warning', 'critical']).default('warning'),
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(6, 1, 20),
  ALERT_PUBLIC_URL: z.string().url().optional(),
  PAGERDUTY_ROUTING_KEY: z.string().min(1).max(64).optional(),
  PAGERDUTY_EVENTS_URL: z.string().url().default('https://events.pagerduty.com/v2/enqueue'),
  PAGERDUTY_MIN_SEVERITY: z.enum(['info', 'warning', 'critical']).default('critical'),
  BUDGET_MONTHLY_MICROS: int(0),
  BUDGETS_JSON: z
    .string()
    .default('{}')
    .superRefine((json, ctx) => {
      try {
        parseBudgetsJson(json)
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message })
      }
    }),
  // Policy decision service for gateways (npm run enforcer, lib/enforcement); see docs/enforcer.md.
  ENFORCER_HOST: z.string().default('127.0.0.1'),
  ENFORCER_PORT: int(8787, 0, 65535),
  ENFORCER_POLICY_URL: z.string().url().default('http://127.0.0.1:3000'),
  ENFORCER_GATEWAY_TOKEN: z.string().optional(),
  BURNRATE_GATEWAY_TOKEN: z.string().optional(),
  ENFORCER_KAFKA: z.enum(['0', '1']).default('1'),
  ENFORCER_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('burnrate-enforcer'),
  ENFORCER_REPLICA: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,40}$/)
    .optional(),
  REDIS_URL: z.string().url().optional(),
  ENFORCER_FAIL_MODE: z.enum(['closed', 'open']).default('closed'),
  ENFORCER_MAX_STALENESS_MS: int(30_000, 1_000),
  ENFORCER_POLL_MS: int(2_000, 100, 60_000),
  ENFORCER_LEASE_MS: int(120_000, 1_000),
  ENFORCER_STREAM_LEASE_MS: int(90_000, 1_000),
  ENFORCER_ALLOWANCE_REQUESTS: int(16, 0, 10_000),
  ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS: int(4_096, 1, 10_000_000),
})

export type Config = z.infer<typeof configSchema>

/** What each setting does, for the README's configuration table (`npm run docs:config`): lib/config-docs.ts. */
export { configDocs } from './config-docs'

/**
 * A few settings, read where and when they are used (sign-in, policy limits, OIDC): the named keys
 * of `env`, parsed and defaulted by the same schema as loadConfig, but not cached, so a process or a
 * test that sets one later sees it. A bad value throws naming it, as loadConfig does.
 */
export function settings<K extends keyof Config>(keys: readonly K[], env: Record<string, string | undefined> = process.env): Pick<Config, K> {
  const mask: Partial<Record<keyof Config, true>> = Object.fromEntries(keys.map((k) => [k, true]))
  const parsed = configSchema.pick(mask).safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data as unknown as Pick<Config, K>
}

/**
 * BUDGETS_JSON as tenant → monthly micro-dollars: the one parser. loadConfig refuses a bad value with
 * this message; the budget seeds (lib/budgets) and the detector settings read through it.
 */
export function parseBudgetsJson(json: string): Record<string, number> {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new Error('BUDGETS_JSON is not valid JSON')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('BUDGETS_JSON must be an object of tenant → micros')
  const out: Record<string, number> = {}
  for (const [tenant, value] of Object.entries(raw)) {
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error(`BUDGETS_JSON.${tenant} must be a non-negative integer of micro-dollars`)
    out[tenant] = value as number
  }
  return out
}

let cached: Config | undefined

/** Parses the environment once; a bad value stops the process with a message naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  if (env === process.env && cached) return cached
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  if (env === process.env) cached = parsed.data
  return parsed.data
}
