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
  DETECT_COST_WINDOW_MINUTES: int(5, 1, 24 * 60),
  DETECT_COST_MIN_RATIO: z.coerce.number().min(1.05).max(100).default(1.5),
  DETECT_COST_MIN_REQUESTS: int(20, 1, 1_000_000),
  DETECT_ZOMBIE_MIN_MS: int(5 * 60_000, 60_000),
  DETECT_ZOMBIE_MAX_TOKENS_PER_SEC: z.coerce.number().min(0).max(1_000).default(1),
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
  ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS: int(4_096, 1, 10_000_000),
})

export type Config = z.infer<typeof configSchema>

export const configDocs: Record<keyof Config, string> = {
  CLICKHOUSE_URL: 'HTTP URL of a ClickHouse server. Unset: embedded chDB on DATA_DIR.',
  CLICKHOUSE_USER: 'ClickHouse user (server mode).',
  CLICKHOUSE_PASSWORD: 'ClickHouse password (server mode). Never logged.',
  CLICKHOUSE_DATABASE: 'Database that holds all Burnrate tables.',
  CLICKHOUSE_CLUSTER: 'Cluster name: migrations emit ON CLUSTER and Replicated engines. Empty: single node.',
  DATA_DIR: 'chDB data directory (embedded mode). One process at a time may open it.',
  RETENTION_DAYS: 'Raw events, dead letters and the rollups are dropped after this many days (TTL). A change applies to existing tables at the next start.',
  KAFKA_BROKERS: 'Comma-separated Kafka bootstrap brokers.',
  KAFKA_TOPIC: 'Topic the gateway writes events to (key: install id).',
  KAFKA_GROUP: 'Consumer group of the ingest processes.',
  KAFKA_CLIENT_ID: 'Kafka client id prefix.',
  KAFKA_SESSION_TIMEOUT_MS: 'How long the group waits for a silent consumer before giving its partitions to another.',
  KAFKA_FETCH_BYTES_PER_PARTITION:
    "Most bytes one fetch takes from a partition; it caps the rows per insert (16 MiB: ~26k events) and, with up to two ranges per partition in memory, most of the ingest process's memory. Lower it to trade throughput for memory.",
  INGEST_SOURCE: 'simulator (embedded default), kafka (server mode) or none (dashboard only).',
  INGEST_MAX_BATCH_ROWS:
    "Largest insert into ClickHouse, in events (capped by what one Kafka fetch returns). Fewer, larger parts cost less to insert and merge; the default is ClickHouse's own `kafka_max_block_size`.",
  INGEST_MAX_WAIT_MS: 'Longest an event waits in a batch before it is inserted.',
  INGEST_MAX_MESSAGE_BYTES: 'Messages larger than this are dead-lettered as too_large.',
  INGEST_MAX_FUTURE_SKEW_MS: 'Events stamped further in the future are dead-lettered.',
  INGEST_MAX_PAST_AGE_MS: 'Events older than this are dead-lettered.',
  INGEST_RETRY_MAX_MS: 'Ceiling of the one back-off of ingest store calls (inserts, intents, replay lookups, recent-id seeds) while the store is down.',
  INGEST_UNDECODABLE:
    'A Kafka batch that cannot be decoded (a codec failing, a corrupt batch): hold (default) keeps its partition at that offset, retried with back-off and shown as an error in ingest health; dead-letter records its offset range as one dead letter (reason undecodable_batch) and goes on. See docs/kafka.md.',
  SIM_SEED: 'Seed of the gateway simulator (same seed, same traffic).',
  SIM_RATE: 'Simulated events per second.',
  SIM_INSTALLS: 'Number of simulated legitimate installs.',
  SIM_SCENARIOS: 'Comma-separated attack scenarios the simulator plays (empty: none).',
  SIM_BACKFILL_MINUTES: 'Minutes of history the simulator writes on first start so charts are not empty.',
  SEED_HISTORY_DAYS:
    "Days of spend history (usage rollups at the simulator's scale) seeded before the simulator's backfill on first start with the simulator source; 0: none. Capped below RETENTION_DAYS.",
  PORT: 'HTTP port of the dashboard.',
  POLICY_KAFKA: '1: also publish every policy change to the compacted POLICY_TOPIC (always on when INGEST_SOURCE=kafka).',
  POLICY_TOPIC: 'Compacted Kafka topic of signed policy rules, keyed by scope:subject.',
  POLICY_SIGNING_KEYS: 'Ed25519 private JWK set (JSON) that signs policy; the last key signs, all verify. Unset: generated in DATA_DIR. Secret.',
  POLICY_KEY_GRACE_HOURS: 'How long a rotated-out signing key stays in the published JWKS.',
  POLICY_GATEWAY_TOKENS:
    'Comma-separated name=token pairs gateways send as Bearer to /api/policy/snapshot, jwks and ack; each token at least 24 characters (the app refuses to start otherwise). Secret.',
  POLICY_RESPONDER_MAX_INSTALLS: 'Most installs a responder may revoke or throttle in one change (admins: no limit).',
  POLICY_RESPONDER_MAX_HOURS: 'Longest temporary rule a responder may apply (permanent rules: admins only).',
  POLICY_SECOND_APPROVER: '1: global-scope changes wait for a second admin to approve them.',
  SESSION_SECRET: 'HMAC key of session cookies (32+ chars), shared by all app replicas. Unset: generated in DATA_DIR. Secret.',
  AUTH_COOKIE_SECURE: 'Secure flag of the session cookie: auto (on for https and localhost), 1 or 0.',
  PUBLIC_URL:
    'Public base URL of the dashboard, e.g. https://burnrate.example.com. Set: mutations must come from exactly this origin (scheme, host, port) and OIDC redirects to <PUBLIC_URL>/api/auth/oidc/callback. Unset: the origin is read from the request (X-Forwarded-Proto/-Host, then the socket).',
  BURNRATE_ADMIN_PASSWORD:
    'Initial password of the local admin (CI/e2e), and the new one npm run admin:reset-password sets. Unset: generated and printed once.',
  OIDC_ISSUER: 'OIDC issuer URL (production sign-in; discovery via .well-known). Unset: local users only.',
  OIDC_CLIENT_ID: 'OIDC client id.',
  OIDC_CLIENT_SECRET: 'OIDC client secret (confidential client; PKCE is used either way). Secret.',
  OIDC_REDIRECT_URL:
    'Callback URL registered at the provider. Default: <PUBLIC_URL>/api/auth/oidc/callback; with neither set, OIDC sign-in is refused (never built from the Host header).',
  OIDC_SCOPES: 'Scopes requested at sign-in.',
  OIDC_ROLE_CLAIM: "id_token claim holding the user's groups or roles (string or array).",
  OIDC_ADMIN_GROUPS: 'Comma-separated claim values that grant admin.',
  OIDC_RESPONDER_GROUPS: 'Comma-separated claim values that grant responder.',
  OIDC_VIEWER_GROUPS: 'Comma-separated claim values that grant viewer.',
  OIDC_DEFAULT_ROLE: 'Role of an OIDC user matching no group: none (refused) or viewer.',
  OIDC_SESSION_MINUTES:
    "Lifetime of an OIDC session: the role is re-read from the provider's claims at the next sign-in, so a change there takes effect within this long (local sessions: 8 h, checked live).",
  TRUSTED_PROXY_HOPS:
    'Reverse proxies in front of the app that each append to X-Forwarded-For; the audit log takes the client address from the Nth entry from the right (stored as a /24 or /48 prefix). 0: the header is ignored and the client is the TCP peer (stamped on each request by the app server), which also keys the per-address sign-in limit.',
  DETECT_ENABLED: '1: run the detectors in the app process (embedded) or `npm run detect` (server mode); 0: off.',
  DETECT_INTERVAL_MS: 'How often every detector runs and alerts are updated.',
  DETECT_WINDOW_MINUTES: 'Look-back of the per-install detectors (prompt bombing, stream abuse).',
  DETECT_Z_ALERT: 'Robust z-score (median/MAD) at which a metric alone opens an alert; critical at 2x. Lower = more sensitive.',
  DETECT_MIN_REQUESTS:
    "Prompt bombing: below this many requests in the window an install's z-score is shrunk by sqrt(requests / this); fewer than 2 are not scored.",
  DETECT_FARM_MIN_SIZE: 'Fewest installs sharing a trait that can form an emulator-farm cluster.',
  DETECT_FARM_WINDOW_MINUTES: 'Look-back of the emulator-farm detector (installs active in it are clustered).',
  DETECT_COST_WINDOW_MINUTES: 'Recent window whose cost per request is compared with the baseline.',
  DETECT_COST_MIN_RATIO: 'Smallest cost-per-request (or spend) ratio to baseline that can alert, whatever the z-score.',
  DETECT_COST_MIN_REQUESTS: 'Fewest requests in the recent window before a series can alert on cost.',
  DETECT_ZOMBIE_MIN_MS: 'A stream open this long while producing almost no tokens is a zombie.',
  DETECT_ZOMBIE_MAX_TOKENS_PER_SEC: 'Output rate below which a long stream counts as a zombie.',
  ALERT_KEEP_RATIO: 'Hysteresis: an open alert stays firing while its score is at least this share of the opening score.',
  ALERT_RESOLVE_AFTER_MS: 'An alert auto-resolves after its condition has been clear this long; a re-fire within it reopens the same alert.',
  ALERT_WEBHOOK_URL: 'Webhook (Slack-compatible JSON) for alerts at or above ALERT_WEBHOOK_MIN_SEVERITY.',
  ALERT_WEBHOOK_URL_WARNING: 'Webhook for warning alerts, instead of ALERT_WEBHOOK_URL.',
  ALERT_WEBHOOK_URL_CRITICAL: 'Webhook for critical alerts, instead of ALERT_WEBHOOK_URL.',
  ALERT_WEBHOOK_SECRET: 'HMAC-SHA256 key: each delivery carries X-Burnrate-Signature: sha256=<hex of body>. Secret.',
  ALERT_WEBHOOK_MIN_SEVERITY: 'Lowest severity that is sent to webhooks.',
  ALERT_WEBHOOK_MAX_ATTEMPTS: 'Deliveries are retried with exponential backoff up to this many attempts.',
  ALERT_PUBLIC_URL:
    'Base URL of the dashboard, e.g. https://burnrate.example.com: Slack and PagerDuty messages link to the incident there. Unset: PUBLIC_URL; neither set: messages carry the incident id only.',
  PAGERDUTY_ROUTING_KEY:
    'PagerDuty Events API v2 integration (routing) key: one PagerDuty incident per Burnrate incident (dedup_key = incident id), triggered, acknowledged and resolved with it. Unset: PagerDuty off. Secret.',
  PAGERDUTY_EVENTS_URL: 'PagerDuty Events API v2 endpoint (EU accounts: https://events.eu.pagerduty.com/v2/enqueue).',
  PAGERDUTY_MIN_SEVERITY: 'Lowest incident severity that pages (acknowledge and resolve are always sent).',
  BUDGET_MONTHLY_MICROS: 'Seed: monthly budget in micro-dollars for each tenant without one set in the app or in BUDGETS_JSON (0: none).',
  BUDGETS_JSON:
    'Seed: per-tenant monthly budgets in micro-dollars, JSON {"tenant-id": 5000000000}, for tenants whose budget was never set on the Cost page (budgets set there are stored and win).',
  ENFORCER_HOST: 'Address `npm run enforcer` listens on (0.0.0.0 in a container).',
  ENFORCER_PORT: 'HTTP port of the enforcer (forward-auth decisions, stream watches, /health).',
  ENFORCER_POLICY_URL: 'Base URL of the Burnrate app the enforcer fetches the signed snapshot and JWKS from.',
  ENFORCER_GATEWAY_TOKEN: 'Bearer token the enforcer sends to the app (one of POLICY_GATEWAY_TOKENS). Secret.',
  BURNRATE_GATEWAY_TOKEN:
    '`npm run simulate -- --policy-url`: the gateway token the simulator sends to the app as Bearer (one of POLICY_GATEWAY_TOKENS). Secret.',
  ENFORCER_KAFKA: '1: follow POLICY_TOPIC, settle reservations from KAFKA_TOPIC and send policy_ack events; 0: HTTP polling only, leases only.',
  ENFORCER_GROUP: 'Consumer group the enforcer replicas share on KAFKA_TOPIC to settle reservations (each event once).',
  ENFORCER_REPLICA: 'Name of this enforcer replica in acks and /health. Default: host name and pid.',
  REDIS_URL: 'Redis holding quota counters and reservations, shared by enforcer replicas (exact across them). Unset: in memory, one replica.',
  ENFORCER_FAIL_MODE:
    'When the policy held is older than ENFORCER_MAX_STALENESS_MS or none was verified: closed answers 503 (gateway refuses), open admits on the policy held.',
  ENFORCER_MAX_STALENESS_MS: 'How long the policy may go unconfirmed (no answer from the app, topic not caught up) before ENFORCER_FAIL_MODE applies.',
  ENFORCER_POLL_MS: 'How often the enforcer asks the app whether its policy version is current (and fetches a delta if not).',
  ENFORCER_LEASE_MS: 'A request reservation no gateway event settles is released after this long.',
  ENFORCER_STREAM_LEASE_MS: 'A stream slot is freed this long after its last sign of life (admission, stream_progress event, watch heartbeat).',
  ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS:
    'Output cap, and so worst case reserved, for requests that neither send X-Burnrate-Max-Output-Tokens nor fall under a maxOutputTokens rule.',
}

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
