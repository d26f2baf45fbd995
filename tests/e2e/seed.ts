/**
 * Seeds the e2e DATA_DIR before the app starts: SIM_BACKFILL_MINUTES of
 * simulator traffic through the real ingest path (decode → prepareBatch →
 * ClickHouseSink, so the materialized views fill the rollups), plus a few
 * malformed messages for the dead-letter view. Then it answers the questions
 * the tests ask straight from the raw events table and writes the answers to
 * EXPECTED_FILE. The app cannot be queried directly while it runs (chDB opens
 * a data directory in one process only), so this is the "direct query".
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { openStore } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { loadConfig } from '../../lib/config'
import { prepareBatch, prepareDepsFrom } from '../../lib/ingest/prepare'
import { ClickHouseSink } from '../../lib/ingest/sink'
import type { SourceMessage } from '../../lib/ingest/types'
import { seedHistory } from '../../lib/seed/history'
import { GatewaySimulator, parseScenarioList } from '../../lib/simulator'

/** A model the price catalog does not list. */
const UNPRICED_MODEL = 'in-house-llm'

export interface E2EExpected {
  from: number
  to: number
  /** The last 15 minutes of the window. */
  subFrom: number
  spend: number
  requests: number
  tokens: number
  subRequests: number
  tenant: string
  tenantSpend: number
  topInstall: { install_id: string; tenant_id: string; cost_micros: number; requests: number }
  byFeature: { key: string; cost_micros: number; requests: number }[]
  llmRequests: number
  /** A model no catalog prices, and its calls in the window. */
  unpriced: { model: string; calls: number }
  deadLetters: number
  /** The prompt-bombing ranking's row with the most spend: install and feature with ≥ 2 requests, spend of its minutes with requests. */
  bombingTopSpend: { install_id: string; feature: string; cost_micros: number }
  /**
   * The simulator's prompt-bomber installs (ground truth). The app plays the same seed, so the same installs bomb
   * again live, for 12 h: the one install sure to keep retrying once it is revoked.
   */
  bombers: string[]
  /** Month of spend history under the window (lib/seed/history.ts), as a first start writes it; null with SEED_HISTORY_DAYS=0. */
  history: { fromMs: number; toMs: number } | null
}

async function main() {
  const config = loadConfig()
  const store = await openStore(config)
  await migrate(store, { retentionDays: config.RETENTION_DAYS })
  const to = Math.floor(Date.now() / 60_000) * 60_000
  const from = to - config.SIM_BACKFILL_MINUTES * 60_000
  const sim = new GatewaySimulator({
    seed: config.SIM_SEED,
    installs: config.SIM_INSTALLS,
    ratePerSec: config.SIM_RATE,
    startMs: from,
    scenarios: parseScenarioList(config.SIM_SCENARIOS),
  })
  const sink = new ClickHouseSink(store)
  const deps = prepareDepsFrom(config)
  let offset = 0
  let deadLetters = 0
  for (let t = from; t < to; t += 5 * 60_000) {
    const events = sim.generate(t, Math.min(to, t + 5 * 60_000))
    const messages: SourceMessage[] = events.map((e) => ({
      topic: 'e2e-seed',
      partition: 0,
      offset: offset++,
      key: null,
      value: Buffer.from(JSON.stringify(e)),
    }))
    // One call per slice on a model no catalog prices, as a gateway with an in-house model sends: stored at $0, named on the Cost page.
    const call = events.find((e) => e.type === 'llm_request')
    if (call)
      messages.push({
        topic: 'e2e-seed',
        partition: 0,
        offset: offset++,
        key: null,
        value: Buffer.from(JSON.stringify({ ...call, event_id: `${call.event_id}-unpriced`, model: UNPRICED_MODEL })),
      })
    messages.push({ topic: 'e2e-seed', partition: 0, offset: offset++, key: 'bad', value: Buffer.from('{"schema_version":1,"type":"bogus","event_id":"x"}') })
    const batch = prepareBatch(messages, deps)
    deadLetters += batch.deadLetters.length
    await sink.write(batch, { topic: 'e2e-seed', partition: 0, firstOffset: messages[0].offset, lastOffset: messages[messages.length - 1].offset })
    console.log(`[seed] ${new Date(Math.min(to, t + 5 * 60_000)).toISOString()} ${events.length} events`)
  }
  // The month seed ends where the window starts, so every figure of the window above and below is unchanged by it.
  // Hourly rows here (first start writes 5-minute ones) keep the e2e start quick.
  const history = await seedHistory(store, {
    days: Math.min(config.SEED_HISTORY_DAYS, config.RETENTION_DAYS - 1),
    endMs: from,
    seed: config.SIM_SEED,
    installs: config.SIM_INSTALLS,
    ratePerSec: config.SIM_RATE,
    slotS: 3600,
    force: true,
    log: console.log,
  })
  const q = async <T>(sql: string, params: Record<string, unknown> = {}) =>
    await (
      await store.client.query({
        query: sql.replaceAll('{db}', store.database),
        query_params: { from, to, ...params },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json<T>()
  const inRange = `ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`
  const subFrom = to - 15 * 60_000
  const [totals] = await q<{ spend: number; requests: number; tokens: number; sub: number; llm: number; unpriced: number }>(
    `
    SELECT sum(cost_micros) AS spend, countIf(type IN ('llm_request','stream')) AS requests, sumIf(prompt_tokens + completion_tokens, type IN ('llm_request','stream')) AS tokens,
      countIf(type IN ('llm_request','stream') AND ts >= fromUnixTimestamp64Milli({sub:Int64})) AS sub,
      countIf(type IN ('llm_request','stream')) AS llm,
      countIf(cost_source = 'unpriced') AS unpriced
    FROM {db}.events WHERE ${inRange}`,
    { sub: subFrom },
  )
  const [tenant] = await q<{ tenant_id: string; spend: number }>(
    `SELECT tenant_id, sum(cost_micros) AS spend FROM {db}.events WHERE ${inRange} GROUP BY tenant_id ORDER BY spend ASC LIMIT 1`,
  )
  const [top] = await q<
    E2EExpected['topInstall']
  >(`SELECT install_id, any(tenant_id) AS tenant_id, sum(cost_micros) AS cost_micros, countIf(type IN ('llm_request','stream')) AS requests
    FROM {db}.events WHERE ${inRange} AND install_id != '' GROUP BY install_id ORDER BY cost_micros DESC, install_id LIMIT 1`)
  const byFeature = await q<
    E2EExpected['byFeature'][number]
  >(`SELECT feature AS key, sum(cost_micros) AS cost_micros, countIf(type IN ('llm_request','stream')) AS requests
    FROM {db}.events WHERE ${inRange} AND feature != '' GROUP BY feature ORDER BY cost_micros DESC, key`)
  const [bombingTopSpend] = await q<E2EExpected['bombingTopSpend']>(`SELECT install_id, feature, sum(c) AS cost_micros
    FROM (
      SELECT toStartOfMinute(ts) AS m, tenant_id, install_id, feature, countIf(type IN ('llm_request','stream')) AS r, sum(cost_micros) AS c
      FROM {db}.events WHERE ${inRange} AND type != 'policy_ack' GROUP BY m, tenant_id, install_id, feature
    )
    WHERE r > 0 GROUP BY tenant_id, install_id, feature HAVING sum(r) >= 2 ORDER BY cost_micros DESC, install_id LIMIT 1`)
  const expected: E2EExpected = {
    from,
    to,
    subFrom,
    spend: totals.spend,
    requests: totals.requests,
    tokens: totals.tokens,
    subRequests: totals.sub,
    tenant: tenant.tenant_id,
    tenantSpend: tenant.spend,
    topInstall: top,
    byFeature,
    llmRequests: totals.llm,
    unpriced: { model: UNPRICED_MODEL, calls: totals.unpriced },
    deadLetters,
    bombingTopSpend,
    bombers: sim
      .labels(true)
      .filter((l) => l.scenario === 'prompt_bomber' && l.kind === 'install')
      .map((l) => l.subject),
    history: history && { fromMs: history.fromMs, toMs: history.toMs },
  }
  const file = process.env.EXPECTED_FILE ?? 'test-results/e2e-expected.json'
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(expected, null, 2))
  console.log(`[seed] wrote ${file}`)
  await store.close()
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
