import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { DEFAULT_DETECTION_SETTINGS } from '../lib/detection/settings'
import { DETECTOR_NAMES, type DetectorName } from '../lib/detection/types'
import { SCENARIO_DEFAULTS, SCENARIO_NAMES } from '../lib/simulator'
import { replay, type ReplayResult } from '../tests/eval/replay'
import { scoreRun, TARGET } from '../tests/eval/score'
import { summarize } from './stats'

const MIN = 60_000
const WARMUP = 15 * MIN

/**
 * Time from an attack's first event to the first alert naming its install (or
 * feature, for cost spikes), over several seeds, with the detectors on their
 * production cadence (DETECT_INTERVAL_MS, 30 s). Simulated time: the number
 * includes what the data needs (a stream is only seen when it ends) plus the
 * cadence, not the wall-clock speed of the machine, which is reported
 * separately as the detectors' run time per tick.
 */
export async function benchDetectionLatency(opts: { seeds?: number[] } = {}) {
  const seeds = opts.seeds ?? [21, 22, 23]
  const latencies = new Map<DetectorName, number[]>(DETECTOR_NAMES.map((d) => [d, []]))
  const tickMs: number[] = []
  for (const seed of seeds) {
    const dir = mkdtempSync(join(tmpdir(), 'burnrate-detect-bench-'))
    const store = await openStore({ CLICKHOUSE_URL: undefined, CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: '', CLICKHOUSE_DATABASE: `detect_bench_${seed}`, CLICKHOUSE_CLUSTER: '', DATA_DIR: dir })
    await migrate(store, { retentionDays: 30 })
    const settings = Object.fromEntries(SCENARIO_NAMES.map((n) => [n, { offsetMs: WARMUP + SCENARIO_DEFAULTS[n].offsetMs }]))
    const run: ReplayResult = await replay(store, {
      seed, installs: 1500, ratePerSec: 20, scenarios: [...SCENARIO_NAMES], scenarioSettings: settings,
      durationMs: WARMUP + 35 * MIN, tickMs: 30_000, detectFromMs: 12 * MIN, settings: DEFAULT_DETECTION_SETTINGS,
    }, Date.now() - (WARMUP + 35 * MIN), (l) => console.log(`seed ${seed}${l}`))
    tickMs.push(run.detectMs / Math.max(1, run.ticks))
    for (const detector of DETECTOR_NAMES) {
      if (detector === 'cost_anomalies') {
        const s = scoreRun(run, detector)
        if (s.latencyMedianMin !== null) latencies.get(detector)!.push(s.latencyMedianMin * MIN)
        continue
      }
      const starts = new Map(run.labels.filter((l) => l.scenario === TARGET[detector] && l.kind === 'install').map((l) => [l.subject, l.start_ms]))
      const first = new Map<string, number>()
      for (const alarm of run.alarms.filter((a) => a.detector === detector)) {
        for (const [install, at] of alarm.members) if (starts.has(install) && !(at >= (first.get(install) ?? Infinity))) first.set(install, at)
      }
      for (const [install, at] of first) latencies.get(detector)!.push(at - starts.get(install)!)
    }
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const perTick = summarize(tickMs)
  return DETECTOR_NAMES.map((detector) => {
    const xs = latencies.get(detector)!
    const sorted = [...xs].sort((a, b) => a - b)
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN)
    return {
      name: `${detector}: attack start → alert (${sorted.length} attack units, seeds ${seeds.join(',')})`,
      p50: at(0.5), p95: at(0.95),
      reference: `cadence 30 s; all detectors run in ${Math.round(perTick.median)} ms per tick (median)`,
    }
  })
}
