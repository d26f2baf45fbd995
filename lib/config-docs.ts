import type { Config } from './config'

/** One line per setting of configSchema (lib/config.ts); a unit test checks every key is documented. */
export const configDocs: Record<keyof Config, string> = {
  CLICKHOUSE_URL: 'HTTP URL of a ClickHouse server. Unset: embedded chDB on DATA_DIR.',
  CLICKHOUSE_USER: 'ClickHouse user (server mode).',
  CLICKHOUSE_PASSWORD: 'ClickHouse password (server mode). Never logged.',
  CLICKHOUSE_DATABASE: 'Database that holds all Burnrate tables.',
  CLICKHOUSE_CLUSTER: 'Cluster name: migrations emit ON CLUSTER and Replicated engines. Empty: single node.',
  DATA_DIR: 'chDB data directory (embedded mode). One process at a time may open it.',
  RETENTION_DAYS: 'Raw events, dead letters and the rollups are dropped after this many days (TTL). A change applies to existing tables at the next start.',
  PRICING_FILE:
    'Path of a JSON array of model prices ({model, effectiveFrom: YYYY-MM-DD, inputMicrosPerMTok, outputMicrosPerMTok}) added to the built-in catalog (lib/pricing/catalog.ts); an entry with a built-in model and date replaces it. Used when the gateway sends no cost_micros. Read at start; a bad file stops the process naming the entry. Empty: the built-in catalog only.',
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
  INGEST_SHUTDOWN_GRACE_MS:
    'On stop, how long the Kafka consumer waits for inserts in flight to be acknowledged and committed before it leaves the group. An insert still unsettled then (a store that is down or very slow) stays uncommitted: its range is read again on restart and its intent makes the repeated insert a no-op.',
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
  DETECT_FARM_WAKE_SILENCE_MINUTES:
    'Farms: silent minutes after which an install that calls again counts as new from its wake (dormant installs woken together; docs/detection.md).',
  DETECT_COST_WINDOW_MINUTES: 'Recent window whose cost per request is compared with the baseline.',
  DETECT_COST_MIN_RATIO: 'Smallest cost-per-request (or spend) ratio to baseline that can alert, whatever the z-score.',
  DETECT_COST_MIN_REQUESTS: 'Fewest requests in the recent window before a series can alert on cost.',
  DETECT_COST_VOLUME_MIN_INSTALLS:
    'Fewest installs seen on both an earlier version and a new one before the release volume lens (requests per install against their own past) can alert.',
  DETECT_COST_VOLUME_MIN_RATIO:
    'Smallest ratio of requests per active minute, installs on a new version against their own on earlier versions, that can alert (a paired comparison: less noise than cost per request across versions).',
  DETECT_COST_PRICE_MIN_RATIO:
    "Smallest rise of a model's billed cost per catalog-priced token (the gateway's cost against the price catalog, per tenant and model) that can alert: a price change, a pricier tier, lost cache discounts.",
  DETECT_COST_SUSTAINED_MINUTES:
    "Window of the cost detector's sustained tier: cost per request pooled over this many minutes, against every run of as many minutes before it; each half of the window must hold the rise (a warning, not a spike).",
  DETECT_COST_SUSTAINED_MIN_RATIO:
    'Smallest sustained rise of cost per request (over DETECT_COST_SUSTAINED_MINUTES, both halves) that can raise a warning; the 5-minute check keeps DETECT_COST_MIN_RATIO.',
  DETECT_ZOMBIE_MIN_MS: 'A stream open this long while producing almost no tokens is a zombie.',
  DETECT_ZOMBIE_MAX_TOKENS_PER_SEC: 'Output rate below which a long stream counts as a zombie.',
  DETECT_ZOMBIE_FEATURE_RATE_FRACTION:
    "Stream abuse: a long stream is also a zombie under this fraction of its feature's slow decile of output rate (tokens a second of the feature's closed streams over the last hour; features streamed by fewer than 10 installs keep the absolute line). 0: the absolute line only.",
  DETECT_OPEN_STREAM_PAIR_RATE:
    'Stream abuse: prior chance that a phone holding a long answer (open 30 s or more) holds another long one beside it; a tenant whose own installs do so more often raises it. Lower names many streams held at once sooner.',
  DETECT_OPEN_STREAM_TAIL_MS: "Stream abuse: prior mean time a long answer runs on past its first 30 s; a tenant's own longer streams raise it.",
  DETECT_SPREAD_MEMBER_ALPHA:
    'Prompt bombing: expected chance members per look when a standing spread group also names installs by request size and rate against their own past together (0: that look is off).',
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
  ENFORCER_ALLOWANCE_REQUESTS:
    'With Redis: an install calling one replica again and again is admitted there from an allowance sized for this many of its worst cases, without a round trip (docs/enforcer.md, Allowances). 0: every decision goes to Redis.',
  ENFORCER_LEASE_MS: 'A request reservation no gateway event settles is released after this long.',
  ENFORCER_STREAM_LEASE_MS: 'A stream slot is freed this long after its last sign of life (admission, stream_progress event, watch heartbeat).',
  ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS:
    'Output cap, and so worst case reserved, for requests that neither send X-Burnrate-Max-Output-Tokens nor fall under a maxOutputTokens rule.',
}
