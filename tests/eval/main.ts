import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import { DETECTOR_NAMES } from '../../lib/detection/types'
import { SCENARIO_DEFAULTS, SCENARIO_NAMES, type ScenarioName, type ScenarioSettings } from '../../lib/simulator'
import { replay, type ReplayOptions } from './replay'
import { scoreRun, type DetectorScore } from './score'

/**
 * `npm run eval`: replays simulator scenarios with ground truth and prints,
 * per detector, recall, precision and minutes from attack start to alert, on
 * several seeds, a run with the attacks' knobs changed (2x rates, a farm
 * spread over more subnets, networks and images), and a long run of normal
 * traffic only (false alarms per simulated day). EVAL_QUICK=1: one seed and a
 * shorter normal run.
 */
const MIN = 60_000
const quick = process.env.EVAL_QUICK === '1'
const WARMUP = 15 * MIN

interface Case { name: string; options: Omit<ReplayOptions, 'settings'> }

function shifted(extra: Partial<Record<ScenarioName, ScenarioSettings>> = {}): Partial<Record<ScenarioName, ScenarioSettings>> {
  // Attacks start after a warm-up so baselines exist, at the simulator's usual stagger.
  return Object.fromEntries(SCENARIO_NAMES.map((n) => [n, { offsetMs: WARMUP + SCENARIO_DEFAULTS[n].offsetMs, ...extra[n] }]))
}

const attackCase = (seed: number, extra?: Partial<Record<ScenarioName, ScenarioSettings>>, label = `seed ${seed}`): Case => ({
  name: label,
  options: { seed, installs: 1500, ratePerSec: 20, scenarios: [...SCENARIO_NAMES], scenarioSettings: shifted(extra), durationMs: WARMUP + 45 * MIN, tickMs: MIN, detectFromMs: 12 * MIN },
})

const CASES: Case[] = [
  attackCase(1),
  ...(quick ? [] : [attackCase(2), attackCase(3)]),
  ...(quick ? [] : [attackCase(4, {
    prompt_bomber: { intensity: 0.5 }, stream_abuse: { intensity: 2 }, cost_spike: { intensity: 0.5 },
    emulator_farm: { intensity: 0.5, subnets: 24, asns: 3, fingerprints: 60, installs: 120 },
  }, 'seed 4, knobs changed')]),
  {
    name: 'no attacks',
    options: { seed: 5, installs: 1500, ratePerSec: 10, scenarios: [], durationMs: (quick ? 2 : 8) * 60 * MIN, tickMs: 5 * MIN, detectFromMs: 20 * MIN },
  },
]

const pct = (x: number | null) => (x === null ? '–' : x.toFixed(2))
const mins = (x: number | null) => (x === null ? '–' : x.toFixed(1))

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-eval-'))
  const base = await openStore({ CLICKHOUSE_URL: undefined, CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: '', CLICKHOUSE_DATABASE: 'eval', CLICKHOUSE_CLUSTER: '', DATA_DIR: dir })
  const lines: string[] = []
  lines.push('| run | detector | positives | recall | precision | strict precision | cross | normal flagged | alert latency median / max (min) |')
  lines.push('|---|---|---|---|---|---|---|---|---|')
  const perDay: string[] = []
  try {
    for (const [i, c] of CASES.entries()) {
      const store: Store = { ...base, database: `eval_${i}` }
      await migrate(store, { retentionDays: 30 })
      // Recent enough to sit inside the retention TTL and the ingest's accepted age.
      const startMs = Math.floor((Date.now() - c.options.durationMs - 5 * MIN) / MIN) * MIN
      const t0 = Date.now()
      console.log(`${c.name}: ${c.options.durationMs / MIN} simulated min at ${c.options.ratePerSec} ev/s`)
      const r = await replay(store, { ...c.options, settings: DEFAULT_DETECTION_SETTINGS }, startMs, console.log)
      console.log(`  ${r.events} events, ${r.ticks} detection runs (${Math.round(r.detectMs / r.ticks)} ms each), ${((Date.now() - t0) / 1000).toFixed(0)} s`)
      const scores: DetectorScore[] = DETECTOR_NAMES.map((d) => scoreRun(r, d))
      for (const s of scores) {
        if (c.options.scenarios.length === 0) {
          const days = (c.options.durationMs - c.options.detectFromMs) / 86_400_000
          perDay.push(`| ${s.detector} | ${s.falseAlarms} | ${(s.falseAlarms / days).toFixed(2)} |`)
          continue
        }
        lines.push(`| ${c.name} | ${s.detector} | ${s.positives} | ${pct(s.recall)} | ${pct(s.precision)} | ${pct(s.strictPrecision)} | ${s.crossDetections} | ${s.falsePositives} | ${mins(s.latencyMedianMin)} / ${mins(s.latencyMaxMin)} |`)
      }
      await base.client.command({ query: `DROP DATABASE IF EXISTS eval_${i} SYNC` }).catch(() => {})
    }
  } finally {
    await base.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const normal = CASES.find((c) => c.options.scenarios.length === 0)!
  console.log('\n' + lines.join('\n'))
  console.log(`\nNormal traffic only (${(normal.options.durationMs - normal.options.detectFromMs) / 3_600_000} simulated h, ${normal.options.ratePerSec} ev/s):\n`)
  console.log('| detector | alerts opened | per simulated day |\n|---|---|---|\n' + perDay.join('\n'))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
