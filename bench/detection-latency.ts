import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { DEFAULT_DETECTION_SETTINGS } from '../lib/detection/settings'
import type { DetectorName } from '../lib/detection/types'
import type { ScenarioName, ScenarioSettings } from '../lib/simulator'
import { replay, type ReplayResult } from '../harness/eval/replay'

const MIN = 60_000
const CADENCE_MS = 30_000

/**
 * Detection section: attack start → first alert naming the attacker, and the
 * detectors' CPU, in the embedded default (chDB in this process), at 200 and
 * 5,000 events/s of ordinary traffic. One replay per rate: history, then a
 * prompt bomber, a moderate sustained bomber, an emulator farm that passes
 * attestation, stream abuse (zombie streams already past the threshold when
 * it starts, so its start is when they cross it for the detector) and token
 * reuse, staggered. Detectors run on the production cadence (30 s of
 * simulated time). Latency is simulated time: what the data allows plus the
 * cadence, not the machine's speed. CPU is process CPU (user + system, all
 * threads) during the runs, divided by the cadence: the share of one core
 * the detectors need at that rate.
 */
const ATTACKS: { scenario: ScenarioName; detector: DetectorName; label: string; offset: number; s?: ScenarioSettings }[] = [
  { scenario: 'prompt_bomber', detector: 'prompt_bombing', label: 'prompt bombing (50k-200k streams)', offset: 0 },
  { scenario: 'emulator_farm', detector: 'emulator_farms', label: 'emulator farm passing attestation', offset: 2 * MIN, s: { attestPass: true, installs: 120 } },
  { scenario: 'stream_abuse', detector: 'stream_abuse', label: 'zombie streams', offset: 4 * MIN },
  { scenario: 'token_reuse', detector: 'token_reuse', label: 'token reuse', offset: 6 * MIN, s: { installs: 3, perMinute: 2 } },
]

async function runAt(rate: number, installs: number, historyMin: number, seed: number): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-detect-bench-'))
  const store = await openStore({ CLICKHOUSE_URL: undefined, CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: '', CLICKHOUSE_DATABASE: `detect_bench_${rate}`, CLICKHOUSE_CLUSTER: '', DATA_DIR: dir })
  try {
    await migrate(store, { retentionDays: 30 })
    const history = historyMin * MIN
    const duration = history + 14 * MIN
    const scenarioSettings = Object.fromEntries(ATTACKS.map((a) => [a.scenario, { offsetMs: history + a.offset, durationMs: 12 * MIN - a.offset, ...a.s }]))
    return await replay(store, {
      seed, installs, ratePerSec: rate, scenarios: ATTACKS.map((a) => a.scenario), scenarioSettings,
      durationMs: duration, tickMs: CADENCE_MS, detectFromMs: history - MIN, settings: DEFAULT_DETECTION_SETTINGS,
    }, Math.floor((Date.now() - duration - 5 * MIN) / MIN) * MIN, (l) => console.log(`${rate} ev/s${l}`))
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchDetectionLatency(opts: { rates?: number[] } = {}) {
  const rows: { metric: string; ours: string; reference: string; ratio: string; target: string }[] = []
  // BENCH_DETECTION_RATES=200 for a short trial; the report runs both.
  const rates = opts.rates ?? (process.env.BENCH_DETECTION_RATES ? process.env.BENCH_DETECTION_RATES.split(',').map(Number) : [200, 5_000])
  for (const rate of rates) {
    // History long enough for the sequential baseline (30 min before its window); at 5,000 ev/s the load dominates the run.
    const run = await runAt(rate, rate >= 1_000 ? 20_000 : 1_500, rate >= 1_000 ? 33 : 45, 31)
    for (const a of ATTACKS) {
      const starts = new Map(run.labels.filter((l) => l.scenario === a.scenario && l.kind === 'install').map((l) => [l.subject, l.start_ms]))
      const delays: number[] = []
      for (const [install, start] of starts) {
        let first = Infinity
        for (const alarm of run.alarms) if (alarm.detector === a.detector) first = Math.min(first, alarm.members.get(install) ?? Infinity)
        delays.push(first - start)
      }
      const found = delays.filter(Number.isFinite).sort((x, y) => x - y)
      const at = (q: number) => (found.length ? found[Math.min(found.length - 1, Math.ceil(q * found.length) - 1)] / 1000 : NaN)
      rows.push({
        metric: `${rate} ev/s: ${a.label}, attack start → alert`, ours: `p50 ${at(0.5).toFixed(0)} s, p95 ${at(0.95).toFixed(0)} s (${found.length}/${starts.size} named)`,
        reference: `cadence ${CADENCE_MS / 1000} s`, ratio: '—', target: 'p95 ≤ 60 s',
      })
    }
    const cpuShare = run.detectCpuMs / run.ticks / CADENCE_MS
    const per = Object.entries(run.detectorMs).map(([d, ms]) => `${d} ${Math.round(ms / run.ticks)}`).join(', ')
    rows.push({
      metric: `${rate} ev/s: detectors' CPU per ${CADENCE_MS / 1000} s cadence`, ours: `${(cpuShare * 100).toFixed(1)}% of one core (${Math.round(run.detectCpuMs / run.ticks)} ms CPU per run)`,
      reference: `wall per run ${Math.round(run.detectMs / run.ticks)} ms: ${per}`, ratio: '—', target: '< 10% at 5,000 ev/s',
    })
  }
  return rows
}
