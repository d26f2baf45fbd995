/**
 * Dashboard API latency: p50/p95 of each endpoint's query function (rollups)
 * against the same question answered from the raw events table, on a store
 * with ≥ 10 M events. The events are generated inside ClickHouse with
 * INSERT … SELECT FROM numbers() (seconds, not the hours a JSON ingest would
 * take), so the materialized views fill the rollups exactly as in production.
 *
 * Called by the bench runner (`benchDashboard(opts)`) or alone:
 *   npx tsx bench/dashboard-latency.ts [size[,size…]]   (default 10000000)
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { abuseTax } from '../lib/queries/abuse-tax'
import { attestationSeries } from '../lib/queries/attestation-series'
import { costBreakdown } from '../lib/queries/cost-breakdown'
import { installTimeline } from '../lib/queries/install-timeline'
import { overviewKpis } from '../lib/queries/overview-kpis'
import { spendSeries } from '../lib/queries/spend-series'
import { topSpenders } from '../lib/queries/top-spenders'
import { trafficSeries } from '../lib/queries/traffic-series'
import { resolveRange, type ResolvedRange } from '../lib/time-range'
import { generateSql, TENANTS } from './dashboard-generator'
import { cpuTicks, machineShare } from './machine-share'
import { timed } from './query-timing'
import { openBenchStore } from './bench-store'

export interface DashboardBenchOptions {
  /** Store sizes to measure at, ascending; the store is grown between them (default [10 M]). */
  sizes?: number[]
  /** Shorthand for sizes: [events]. */
  events?: number
  /** Timed runs per query (default 20, after 2 warm-ups). */
  runs?: number
  /** Reuse a store (its events table is filled only if empty); default: a fresh chDB store in a temp dir. */
  store?: Store
  log?: (line: string) => void
}

/** One endpoint at one store size: the query function (rollups) and the raw-table equivalent, same run. */
export interface DashboardBenchRow {
  /** Endpoint and the question asked of it, e.g. "/api/overview/kpis (1h)". */
  endpoint: string
  events: number
  p50: number
  p95: number
  raw_p50: number
  raw_p95: number
  /** Share of the machine's CPU time stolen by the hypervisor while this case was timed. */
  steal_pct: number
  /** Human-readable raw-table figures and speed-up, for the bench report. */
  reference: string
  ratio: string
  runs: number
  /** Overview endpoints must answer p95 < 150 ms from the rollups. */
  target_ms?: number
  meets_target?: boolean
}

const SPAN_MS = 7 * 86_400_000
const CHUNK = 1_000_000

async function eventCount(store: Store): Promise<number> {
  const rs = await store.client.query({ query: `SELECT count() AS n FROM ${store.database}.events`, format: 'JSONEachRow' })
  return Number((await rs.json<{ n: string }>())[0].n)
}

/** Grows the events table to `events` rows; numbers continue where the last fill stopped, so ids stay unique. */
async function fill(store: Store, events: number, log: (l: string) => void) {
  const end = Date.now()
  for (let offset = await eventCount(store); offset < events; offset += CHUNK) {
    const t0 = performance.now()
    await store.client.command({
      query: generateSql(store.database),
      query_params: { end, span: SPAN_MS, offset, rows: Math.min(CHUNK, events - offset) },
      clickhouse_settings: { max_insert_block_size: '1048576', insert_deduplicate: 0 },
    })
    log(`[bench:dashboard] inserted ${Math.min(events, offset + CHUNK).toLocaleString('en-US')} events (${Math.round(performance.now() - t0)} ms)`)
  }
  await store.client.command({ query: `OPTIMIZE TABLE ${store.database}.usage_minute FINAL` }).catch(() => {})
}

interface Case {
  endpoint: string
  question: string
  overview?: boolean
  rollup: (store: Store, r: ResolvedRange) => Promise<unknown>
  /** The same question asked of the raw events table. */
  raw: string
}

const RAW_WHERE = `ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64}) AND ({tenant:String} = '' OR tenant_id = {tenant:String})`
const BUCKET = `toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000`

function cases(installId: string): Case[] {
  const page = { sort: 'cost_micros' as const, dir: 'desc' as const, offset: 0, limit: 10 }
  return [
    {
      endpoint: '/api/overview/kpis',
      question: '1h',
      overview: true,
      rollup: overviewKpis,
      raw: `SELECT sum(cost_micros), countIf(type IN ('llm_request','stream')), countIf(type='stream'), sum(prompt_tokens), sum(completion_tokens),
        uniqIf(install_id, install_id != ''), countIf(verdict='accepted'), countIf(verdict='rejected'), sum(duration_ms) FROM {db}.events WHERE ${RAW_WHERE}`,
    },
    {
      endpoint: '/api/overview/spend',
      question: '1h',
      overview: true,
      rollup: (s, r) => spendSeries(s, r, 'feature'),
      raw: `SELECT ${BUCKET} AS t, feature, sum(cost_micros) FROM {db}.events WHERE ${RAW_WHERE} GROUP BY t, feature`,
    },
    {
      endpoint: '/api/overview/traffic',
      question: '1h',
      overview: true,
      rollup: trafficSeries,
      raw: `SELECT ${BUCKET} AS t, countIf(type IN ('llm_request','stream')), sum(prompt_tokens + completion_tokens), sum(cost_micros), uniq(install_id), sum(duration_ms) FROM {db}.events WHERE ${RAW_WHERE} GROUP BY t`,
    },
    {
      endpoint: '/api/overview/attestation',
      question: '1h',
      overview: true,
      rollup: attestationSeries,
      raw: `SELECT ${BUCKET} AS t, arrayJoin(if(empty(reasons), ['other'], reasons)) AS reason, countIf(verdict='rejected') / greatest(count(), 1)
        FROM {db}.events WHERE ${RAW_WHERE} AND type = 'attestation' GROUP BY t, reason`,
    },
    {
      endpoint: '/api/overview/top-spenders',
      question: '1h',
      overview: true,
      rollup: (s, r) => topSpenders(s, r, page),
      raw: `SELECT tenant_id, install_id, sum(cost_micros) AS c, count() OVER () FROM {db}.events WHERE ${RAW_WHERE} GROUP BY tenant_id, install_id ORDER BY c DESC LIMIT 10`,
    },
    {
      endpoint: '/api/overview/kpis',
      question: '24h',
      overview: true,
      rollup: overviewKpis,
      raw: `SELECT sum(cost_micros), countIf(type IN ('llm_request','stream')), uniqIf(install_id, install_id != ''), countIf(verdict='rejected') FROM {db}.events WHERE ${RAW_WHERE}`,
    },
    {
      endpoint: '/api/overview/kpis',
      question: '1h tenant',
      overview: true,
      rollup: overviewKpis,
      raw: `SELECT sum(cost_micros), countIf(type IN ('llm_request','stream')), uniqIf(install_id, install_id != ''), countIf(verdict='rejected') FROM {db}.events WHERE ${RAW_WHERE}`,
    },
    {
      endpoint: '/api/cost/series',
      question: '7d',
      rollup: (s, r) => spendSeries(s, { ...r, stepS: 3600 }, 'model'),
      raw: `SELECT toUnixTimestamp(toStartOfHour(ts)) * 1000 AS t, model, sum(cost_micros) FROM {db}.events WHERE ${RAW_WHERE} GROUP BY t, model`,
    },
    {
      endpoint: '/api/cost/breakdown',
      question: '24h',
      rollup: (s, r) => costBreakdown(s, r, 'app_version', { ...page, sort: 'cost_micros' }),
      raw: `SELECT app_version, sum(cost_micros) AS c, countIf(type IN ('llm_request','stream')), uniq(install_id) FROM {db}.events WHERE ${RAW_WHERE} GROUP BY app_version ORDER BY c DESC`,
    },
    {
      endpoint: '/api/cost/abuse-tax',
      question: '24h',
      rollup: abuseTax,
      raw: `WITH bad AS (SELECT install_id FROM {db}.events WHERE type = 'attestation' GROUP BY install_id HAVING countIf(verdict='rejected') >= countIf(verdict='accepted'))
        SELECT sum(cost_micros), sumIf(cost_micros, install_id IN bad) FROM {db}.events WHERE ${RAW_WHERE}`,
    },
    {
      endpoint: '/api/installs/[id]/timeline',
      question: '24h',
      rollup: (s, r) => installTimeline(s, r, installId),
      raw: `SELECT ${BUCKET} AS t, sum(cost_micros), count() FROM {db}.events WHERE ${RAW_WHERE} AND install_id = '${installId}' GROUP BY t`,
    },
  ]
}

const PRESETS: Record<string, { range: '1h' | '24h' | '7d'; tenant: string }> = {
  '1h': { range: '1h', tenant: '' },
  '24h': { range: '24h', tenant: '' },
  '7d': { range: '7d', tenant: '' },
  '1h tenant': { range: '1h', tenant: TENANTS[1] },
}

export async function benchDashboard(opts: DashboardBenchOptions = {}): Promise<DashboardBenchRow[]> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const runs = opts.runs ?? 20
  const rawRuns = Math.max(3, Math.ceil(runs / 4))
  const sizes = [...(opts.sizes ?? [opts.events ?? 10_000_000])].sort((a, b) => a - b)
  const store = opts.store ?? (await openBenchStore(mkdtempSync(join(tmpdir(), 'burnrate-bench-dash-')), `bench_dashboard_${process.pid}`))
  await migrate(store, { retentionDays: 30 })
  const installId = `i-${(1234).toString(16).toUpperCase().padStart(4, '0')}`
  const out: DashboardBenchRow[] = []
  for (const size of sizes) {
    await fill(store, size, log)
    const events = await eventCount(store)
    for (const c of cases(installId)) {
      const r = resolveRange(PRESETS[c.question])
      const params = { fromMs: r.fromMs, toMs: r.toMs, step: r.stepS, tenant: r.tenant }
      const ticks = cpuTicks()
      const rollup = await timed(() => c.rollup(store, r), runs)
      const raw = await timed(async () => {
        const rs = await store.client.query({ query: c.raw.replaceAll('{db}', store.database), query_params: params, format: 'JSONEachRow' })
        await rs.json()
      }, rawRuns)
      const { stealPct } = machineShare(ticks)
      const target = c.overview ? 150 : undefined
      out.push({
        endpoint: `${c.endpoint} (${c.question})`,
        events,
        p50: rollup.p50,
        p95: rollup.p95,
        raw_p50: raw.p50,
        raw_p95: raw.p95,
        steal_pct: stealPct,
        reference: `raw table p50 ${raw.p50} ms, p95 ${raw.p95} ms; machine steal ${stealPct.toFixed(0)}%`,
        ratio: `${(raw.p95 / Math.max(0.1, rollup.p95)).toFixed(1)}x faster (p95)`,
        runs,
        target_ms: target,
        meets_target: target === undefined ? undefined : rollup.p95 < target,
      })
      log(
        `[bench:dashboard] ${events.toLocaleString('en-US')} events ${c.endpoint} ${c.question}: rollup p50 ${rollup.p50} / p95 ${rollup.p95} ms · raw p50 ${raw.p50} / p95 ${raw.p95} ms (steal ${stealPct.toFixed(0)}%)`,
      )
    }
  }
  if (!opts.store) await store.close()
  return out
}

/** Markdown table of the rows, for docs and the runner's report. */
export function formatDashboardBench(rows: DashboardBenchRow[]): string {
  const lines = [
    '| events | endpoint (range) | rollup p50 | rollup p95 | raw p50 | raw p95 | speed-up (p95) | steal |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    const flag = r.meets_target === undefined ? '' : r.meets_target ? ' ✓' : ' ✗'
    lines.push(
      `| ${r.events.toLocaleString('en-US')} | ${r.endpoint} | ${r.p50} ms | ${r.p95} ms${flag} | ${r.raw_p50} ms | ${r.raw_p95} ms | ${(r.raw_p95 / Math.max(0.1, r.p95)).toFixed(1)}× | ${r.steal_pct.toFixed(0)}% |`,
    )
  }
  return lines.join('\n')
}

if (process.argv[1] && /dashboard-latency\.ts$/.test(process.argv[1])) {
  const sizes = (process.argv[2] ?? '10000000').split(',').map(Number)
  benchDashboard({ sizes }).then(
    (rows) => {
      console.log(`\n${formatDashboardBench(rows)}\n\n${rows[0]?.events.toLocaleString('en-US')} events`)
      process.exit(0)
    },
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
