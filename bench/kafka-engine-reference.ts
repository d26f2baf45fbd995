/**
 * The reference: ClickHouse's own Kafka table engine (built into chDB) and a
 * materialized view that turns the same JSON into rows of the same events
 * table, with the same rollup views attached (the schema comes from our
 * migrations). It prices from the same catalog, but validates nothing,
 * dead-letters nothing and does not deduplicate: at-least-once, so it is an
 * upper bound for what a ClickHouse-side consumer does with this topic.
 *
 * Runs as its own process (chDB allows one data directory per process):
 *   node --import tsx bench/kafka-engine-reference.ts '<json ReferenceChildArgs>'
 * and prints one line `RESULT {json}` when every event is stored.
 */
import { migrate } from '../lib/clickhouse/migrate'
import { PRICE_CATALOG } from '../lib/pricing/catalog'
import { openEmbeddedStore } from './bench-store'

export interface ReferenceChildArgs {
  dir: string
  brokers: string
  topic: string
  group: string
  consumers: number
  expectRows: number
  maxBlockSize: number
  /** kafka_flush_interval_ms: how long a partial block waits before it is written (ours: INGEST_MAX_WAIT_MS). */
  flushIntervalMs: number
  timeoutMs: number
}

const str = (names: string[]) => names.map((n) => `${n} String`).join(', ')

function ddl(db: string, a: ReferenceChildArgs): string[] {
  // Newest catalog entry per model: the bench corpus is all "now".
  const latest = new Map<string, (typeof PRICE_CATALOG)[number]>()
  for (const e of PRICE_CATALOG) if ((latest.get(e.model)?.effectiveFrom ?? '') < e.effectiveFrom) latest.set(e.model, e)
  const models = [...latest.keys()].map((m) => `'${m}'`).join(',')
  const inP = [...latest.values()].map((e) => e.inputMicrosPerMTok).join(',')
  const outP = [...latest.values()].map((e) => e.outputMicrosPerMTok).join(',')
  return [
    `CREATE TABLE ${db}.events_queue (
      ts Int64, ${str(['event_id', 'type', 'tenant_id', 'install_id', 'app_id', 'app_version', 'platform'])},
      ${str(['device_model', 'os_version', 'device_fingerprint', 'ip_prefix'])}, asn UInt32, country String,
      ${str(['feature', 'model'])}, prompt_tokens UInt32, completion_tokens UInt32, context_tokens UInt32, prompt_bytes UInt32,
      cost_micros Nullable(UInt64), ${str(['outcome'])}, latency_ms UInt32, ${str(['stream_id', 'transport'])}, duration_ms UInt32, ttft_ms UInt32,
      ${str(['end_reason', 'verdict'])}, reasons Array(String), policy_version UInt64, ${str(['rule_id', 'rule_kind', 'gateway_id'])}
    ) ENGINE = Kafka SETTINGS kafka_broker_list = '${a.brokers}', kafka_topic_list = '${a.topic}', kafka_group_name = '${a.group}',
      kafka_format = 'JSONEachRow', kafka_num_consumers = ${a.consumers}, kafka_thread_per_consumer = ${a.consumers > 1 ? 1 : 0},
      kafka_max_block_size = ${a.maxBlockSize}, kafka_flush_interval_ms = ${a.flushIntervalMs},
      kafka_skip_broken_messages = 1000000, input_format_skip_unknown_fields = 1`,
    `CREATE MATERIALIZED VIEW ${db}.events_queue_mv TO ${db}.events AS
    WITH indexOf([${models}], model) AS mi,
      if(type IN ('llm_request', 'stream'),
        if(cost_micros IS NOT NULL, 'gateway', if(mi = 0, 'unpriced', 'catalog')), 'none') AS cost_source_
    SELECT fromUnixTimestamp64Milli(ts, 'UTC') AS ts, event_id, type, tenant_id, install_id, app_id, app_version, platform,
      -- The Kafka engine allows no column DEFAULTs: the contract's defaults are applied here.
      if(device_model = '', 'unknown', device_model) AS device_model, if(os_version = '', 'unknown', os_version) AS os_version,
      if(device_fingerprint = '', '0000000000000000', device_fingerprint) AS device_fingerprint,
      if(ip_prefix = '', '0.0.0.0/24', ip_prefix) AS ip_prefix, asn, if(country = '', 'ZZ', country) AS country, feature, model, prompt_tokens, completion_tokens, context_tokens, prompt_bytes,
      multiIf(cost_source_ = 'gateway', assumeNotNull(cost_micros), cost_source_ = 'catalog',
        toUInt64(round((prompt_tokens * [${inP}][mi] + completion_tokens * [${outP}][mi]) / 1000000)), 0) AS cost_micros,
      cost_source_ AS cost_source, outcome, latency_ms, stream_id, transport, duration_ms, ttft_ms, end_reason, verdict, reasons,
      policy_version, rule_id, rule_kind, gateway_id, _topic AS src_topic, _partition AS src_partition, _offset AS src_offset
    FROM ${db}.events_queue`,
  ]
}

async function child(a: ReferenceChildArgs) {
  process.on('SIGTERM', () => process.exit(0))
  const store = await openEmbeddedStore(a.dir, 'bench')
  await migrate(store, { retentionDays: 90 })
  for (const q of ddl(store.database, a)) await store.client.command({ query: q })
  const started = Date.now()
  const count = async () => {
    const rs = await store.client.query({ query: `SELECT count() AS n FROM ${store.database}.events`, format: 'JSONEachRow' })
    return Number((await rs.json<{ n: string }>())[0].n)
  }
  let n = 0
  while ((n = await count()) < a.expectRows && Date.now() - started < a.timeoutMs) await new Promise((r) => setTimeout(r, 200))
  console.log(`RESULT ${JSON.stringify({ rows: n, elapsedMs: Date.now() - started })}`)
  // Stay up until the parent has seen the final offset commit, then it sends SIGTERM.
  await new Promise(() => {})
}

if (process.argv[1]?.endsWith('kafka-engine-reference.ts') && process.argv[2]) {
  child(JSON.parse(process.argv[2]) as ReferenceChildArgs).catch((e) => {
    console.error(`reference failed: ${e instanceof Error ? e.stack : e}`)
    process.exit(1)
  })
}
