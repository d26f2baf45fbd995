/**
 * The measuring half of the long-range bench (bench/dashboard-long-range.ts fills or reuses the store): each
 * endpoint's query function at 24 h, 7 d, 30 d and 90 d, the raw-table equivalent at 7 d and 30 d in the same run,
 * and the table the bench prints.
 */
import { loadavg } from 'node:os'
import { budgetSummary } from '../lib/budgets/summary'
import type { Store } from '../lib/clickhouse/client'
import { abuseTax } from '../lib/queries/abuse-tax'
import { costBreakdown } from '../lib/queries/cost-breakdown'
import { overviewKpis } from '../lib/queries/overview-kpis'
import { spendSeries } from '../lib/queries/spend-series'
import { trafficSeries } from '../lib/queries/traffic-series'
import { perInstallStep, unitCostSeries } from '../lib/queries/unit-cost-series'
import { resolveRange, type ResolvedRange } from '../lib/time-range'
import type { LongRangeResult } from './dashboard-long-range'
import { cpuTicks, machineShare } from './machine-share'
import { timed } from './query-timing'

const DAY = 86_400_000
export const TARGET_MS = 100
const RANGES = ['24h', '7d', '30d', '90d'] as const
const RAW_AT = new Set(['7d', '30d'])

export interface LongRangeRow {
  endpoint: string
  range: string
  events: number
  p50: number
  p95: number
  raw_p95: number | null
  speedup: number | null
  steal_pct: number
  idle_pct: number
  load1: number
  meets_target: boolean
}

const RAW_WHERE = `ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})`

/** Each endpoint's query function and the same question of the raw table. */
/** `range`: the window as the route hands it to the query (the per-install chart's auto bucket is coarser). */
export const CASES: { endpoint: string; run: (s: Store, r: ResolvedRange) => Promise<unknown>; raw: string; range?: (r: ResolvedRange) => ResolvedRange }[] = [
  {
    endpoint: '/api/cost/series',
    run: (s, r) => spendSeries(s, r, 'model'),
    raw: `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, model, sum(cost_micros) FROM {db}.events WHERE ${RAW_WHERE} GROUP BY t, model`,
  },
  {
    endpoint: '/api/cost/breakdown',
    run: (s, r) => costBreakdown(s, r, 'feature', { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 25 }),
    raw: `SELECT feature, sum(cost_micros) AS c, countIf(type IN ('llm_request','stream')), sum(prompt_tokens + completion_tokens), uniq(install_id) FROM {db}.events WHERE ${RAW_WHERE} AND feature != '' GROUP BY feature ORDER BY c DESC`,
  },
  {
    endpoint: '/api/overview/kpis',
    run: overviewKpis,
    raw: `SELECT sum(cost_micros), countIf(type IN ('llm_request','stream')), uniqIf(install_id, install_id != ''), countIf(verdict='rejected') FROM {db}.events WHERE ${RAW_WHERE}`,
  },
  {
    endpoint: '/api/overview/traffic',
    run: trafficSeries,
    raw: `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, countIf(type IN ('llm_request','stream')), sum(prompt_tokens + completion_tokens), sum(cost_micros), uniqIf(install_id, install_id != '') FROM {db}.events WHERE ${RAW_WHERE} GROUP BY t`,
  },
  {
    endpoint: '/api/cost/series?metric=per_install',
    run: (s, r) => unitCostSeries(s, r, 'feature', 'per_install'),
    range: (r) => ({ ...r, stepS: perInstallStep(r) }),
    raw: `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, feature, sum(cost_micros), uniq(install_id) FROM {db}.events WHERE ${RAW_WHERE} AND feature != '' GROUP BY t, feature`,
  },
  {
    endpoint: '/api/cost/abuse-tax',
    run: abuseTax,
    raw: `WITH bad AS (SELECT install_id FROM {db}.events WHERE type = 'attestation' GROUP BY install_id HAVING countIf(verdict='rejected') >= countIf(verdict='accepted'))
      SELECT sum(cost_micros), sumIf(cost_micros, install_id IN bad) FROM {db}.events WHERE ${RAW_WHERE}`,
  },
]

/** What the store holds as measured: active parts (merges still pending show as many), rows and bytes of the big tables. */
async function describeStore(store: Store, log: (l: string) => void): Promise<void> {
  const rs = await store.client.query({
    query: `SELECT table, count() AS parts, sum(rows) AS total_rows, formatReadableSize(sum(bytes_on_disk)) AS size FROM system.parts
      WHERE database = {db:String} AND active AND table IN ('events', 'usage_minute', 'usage_hour', 'install_minute', 'install_hour', 'installs_dim_minute', 'installs_dim_quarter', 'installs_all_minute', 'abuse_hour')
      GROUP BY table ORDER BY total_rows DESC`,
    query_params: { db: store.database },
    format: 'JSONEachRow',
  })
  for (const t of await rs.json<{ table: string; parts: string; total_rows: string; size: string }>())
    log(`[bench:long-range] ${t.table}: ${Number(t.total_rows).toLocaleString('en-US')} rows in ${t.parts} active parts, ${t.size}`)
}

/** `only`: the endpoints to measure (kept when the endpoint contains one of the strings); every one when empty. */
export async function measure(store: Store, end: number, events: number, runs: number, log: (l: string) => void, only: string[] = []): Promise<LongRangeRow[]> {
  const wanted = (endpoint: string) => only.length === 0 || only.some((o) => endpoint.includes(o))
  const rows: LongRangeRow[] = []
  await describeStore(store, log)
  const first = await store.client.query({ query: `SELECT toUnixTimestamp64Milli(min(ts)) AS t FROM ${store.database}.events`, format: 'JSONEachRow' })
  const oldest = Number((await first.json<{ t: string }>())[0].t)
  log(
    `[bench:long-range] events span ${((end - oldest) / DAY).toFixed(1)} days before the end; load avg ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const budget = wanted('/api/cost/budget') ? await timed(() => budgetSummary(store, '', end), runs) : null
  if (budget)
    rows.push({
      endpoint: '/api/cost/budget',
      range: 'month',
      events,
      p50: budget.p50,
      p95: budget.p95,
      raw_p95: null,
      speedup: null,
      steal_pct: 0,
      idle_pct: -1,
      load1: Math.round(loadavg()[0] * 10) / 10,
      meets_target: budget.p95 <= TARGET_MS,
    })
  if (budget) log(`[bench:long-range] /api/cost/budget: p50 ${budget.p50} / p95 ${budget.p95} ms`)
  for (const preset of RANGES) {
    const resolved = resolveRange({ range: preset }, end)
    for (const c of CASES.filter((k) => wanted(k.endpoint))) {
      const r = c.range ? c.range(resolved) : resolved
      const ticks = cpuTicks()
      const q = await timed(() => c.run(store, r), runs)
      let raw: { p95: number } | null = null
      if (RAW_AT.has(preset)) {
        raw = await timed(
          async () => {
            const rs = await store.client.query({
              query: c.raw.replaceAll('{db}', store.database),
              query_params: { fromMs: r.fromMs, toMs: r.toMs, step: r.stepS },
              format: 'JSONEachRow',
            })
            await rs.json()
          },
          Math.max(3, Math.ceil(runs / 5)),
        )
      }
      const { stealPct, idlePct } = machineShare(ticks)
      const speedup = raw ? Math.round((raw.p95 / Math.max(0.1, q.p95)) * 10) / 10 : null
      rows.push({
        endpoint: c.endpoint,
        range: preset,
        events,
        p50: q.p50,
        p95: q.p95,
        raw_p95: raw?.p95 ?? null,
        speedup,
        steal_pct: stealPct,
        idle_pct: Math.round(idlePct),
        load1: Math.round(loadavg()[0] * 10) / 10,
        meets_target: q.p95 <= TARGET_MS && (speedup === null || speedup >= 10),
      })
      log(`[bench:long-range] ${c.endpoint} ${preset}: p50 ${q.p50} / p95 ${q.p95} ms${raw ? ` · raw p95 ${raw.p95} ms (${speedup}×)` : ''}`)
    }
  }
  return rows
}

export function formatLongRange(res: LongRangeResult): string {
  const lines = [
    `| endpoint | range | p50 | p95 (target ≤ ${TARGET_MS} ms) | raw p95 | speed-up (target ≥ 10× at 7 d, 30 d) | load avg (1 min) | CPU idle |`,
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of res.rows) {
    lines.push(
      `| ${r.endpoint} | ${r.range} | ${r.p50} ms | ${r.p95} ms ${r.meets_target ? '✓' : '✗'} | ${r.raw_p95 === null ? '–' : `${r.raw_p95} ms`} | ${r.speedup === null ? '–' : `${r.speedup}×`} | ${r.load1} | ${r.idle_pct < 0 ? '–' : `${r.idle_pct}%`} |`,
    )
  }
  const i = res.ingest
  lines.push(
    '',
    `${res.events.toLocaleString('en-US')} events over 30 days, 40k installs${res.fillMs ? `; filled in ${(res.fillMs / 1000).toFixed(0)} s (${Math.round((res.events - i.events) / (res.fillMs / 1000)).toLocaleString('en-US')} events/s)` : ' (reused store)'}, no OPTIMIZE … FINAL.`,
  )
  if (i.events)
    lines.push(
      `Install sketches (migrations 0060, 0063, 0064) at ingest: ${i.withMs} ms vs ${i.withoutMs} ms for ${i.events.toLocaleString('en-US')} events (${i.extraUsPerEvent} µs per event, ×${i.ratio} of the insert with every other view).`,
    )
  return lines.join('\n')
}
