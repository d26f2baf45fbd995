import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { DEFAULT_DETECTION_SETTINGS } from '../lib/detection/settings'
import { replay } from '../harness/eval/replay'

/**
 * Token reuse alone, more stolen tokens than the detection section's 3, so
 * its percentiles mean something: `npx tsx bench/token-reuse-latency.ts
 * [--seeds 31,32] [--tokens 10] [--per-minute 2] [--rate 200]`. Per seed: 16
 * simulated minutes of ordinary traffic (the detector's window is 15), then
 * thieves beside their owners for 6 minutes, detectors every 30 s (the
 * production cadence). Latency from the thief's first request (its first
 * stream's start) and from the scenario's start to the first token reuse
 * alert naming the install; false alarms are token reuse alerts on any other
 * install. Simulated time: the machine's load does not move it.
 */
const MIN = 60_000
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback
}
const seeds = arg('seeds', '31').split(',').map(Number)
const tokens = Number(arg('tokens', '10'))
const perMinute = Number(arg('per-minute', '2'))
const rate = Number(arg('rate', '200'))
const HISTORY = 16 * MIN
const LIVE = 8 * MIN

/**
 * The thief's first request, as the detection section measures it: the start
 * of the first call from the network the install was seen on last (the
 * owner's is seen first), not before the scenario's start.
 */
async function thiefStarts(store: Store, ids: string[], scenarioStart: number): Promise<Map<string, number>> {
  const rs = await store.client.query({
    query: `SELECT install_id, min(toUnixTimestamp64Milli(ts) - if(type IN ('stream', 'stream_progress'), toInt64(duration_ms), 0)) AS first
      FROM ${store.database}.events WHERE install_id IN {ids:Array(String)} AND type != 'policy_ack'
      GROUP BY install_id, asn, country`,
    query_params: { ids },
    format: 'JSONEachRow',
  })
  const out = new Map<string, number>()
  for (const r of (await rs.json()) as { install_id: string; first: string }[])
    out.set(r.install_id, Math.max(out.get(r.install_id) ?? scenarioStart, Number(r.first)))
  return out
}

async function main() {
  const fromThief: number[] = []
  const fromStart: number[] = []
  let missed = 0
  let falseAlarms = 0
  for (const seed of seeds) {
    const dir = mkdtempSync(join(tmpdir(), 'burnrate-token-bench-'))
    const store = await openStore({
      CLICKHOUSE_URL: undefined,
      CLICKHOUSE_USER: 'default',
      CLICKHOUSE_PASSWORD: '',
      CLICKHOUSE_DATABASE: `token_bench_${seed}`,
      CLICKHOUSE_CLUSTER: '',
      DATA_DIR: dir,
    })
    try {
      await migrate(store, { retentionDays: 30 })
      const startMs = Math.floor((Date.now() - HISTORY - LIVE - 5 * MIN) / MIN) * MIN
      const run = await replay(
        store,
        {
          seed,
          installs: 1_500,
          ratePerSec: rate,
          scenarios: ['token_reuse'],
          scenarioSettings: { token_reuse: { offsetMs: HISTORY + MIN, durationMs: 6 * MIN, installs: tokens, perMinute } },
          durationMs: HISTORY + LIVE,
          tickMs: 30_000,
          detectFromMs: HISTORY,
          settings: DEFAULT_DETECTION_SETTINGS,
        },
        startMs,
      )
      const victims = run.labels.filter((l) => l.scenario === 'token_reuse')
      const starts = await thiefStarts(
        store,
        victims.map((v) => v.subject),
        Math.min(...victims.map((v) => v.start_ms)),
      )
      const alarms = run.alarms.filter((a) => a.detector === 'token_reuse')
      const victimIds = new Set(victims.map((v) => v.subject))
      falseAlarms += alarms.filter((a) => !victimIds.has(a.subject)).length
      for (const v of victims) {
        const at = alarms.find((a) => a.subject === v.subject)?.members.get(v.subject)
        if (at === undefined) {
          missed++
          continue
        }
        if (process.env.BENCH_VERBOSE) {
          const a = alarms.find((x) => x.subject === v.subject)!
          console.log(
            `  ${v.subject}: ${((at - (starts.get(v.subject) ?? v.start_ms)) / 1000).toFixed(0)} s from the thief's first request: ${JSON.stringify((a.evidence as { reasons?: string[] }).reasons)}`,
          )
        }
        fromStart.push(at - v.start_ms)
        fromThief.push(at - (starts.get(v.subject) ?? v.start_ms))
      }
      console.log(`seed ${seed}: ${run.events} events, ${alarms.length} token reuse alerts, ${victims.length} stolen tokens`)
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length ? (s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] / 1000).toFixed(0) : '–'
  }
  const line = (xs: number[]) => `p50 ${q(xs, 0.5)} s, p95 ${q(xs, 0.95)} s, max ${q(xs, 1)} s`
  console.log(`token reuse at ${rate} ev/s, ${perMinute} req/min each side, seeds ${seeds.join(',')}: ${fromThief.length} named, ${missed} missed`)
  console.log(`  from the thief's first request: ${line(fromThief)}`)
  console.log(`  from the scenario's start:      ${line(fromStart)}`)
  console.log(`  token reuse alerts on other installs: ${falseAlarms}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
