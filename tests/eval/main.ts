import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import { DETECTOR_NAMES } from '../../lib/detection/types'
import { familyGrid } from './families'
import { EVAL_SCALE } from './family-case'
import { scoreFamily, type FamilyScore } from './family-score'
import { replay, type ReplayOptions } from '../../harness/eval/replay'
import { scoreRun } from './score'

/**
 * `npm run eval`: every case of the family grid (tests/eval/families.ts)
 * replayed with ground truth, then 8 simulated hours of ordinary traffic.
 * Prints one row per family and level (entity recall, alerts, precision per
 * alert, latency) and totals per family for the tuning and held-out splits.
 * Cases are seeded and start at a fixed time (00:00 UTC the day before), so a run is repeatable.
 * EVAL_QUICK=1: a few cases and 2 h of ordinary traffic. EVAL_ONLY='a|b': only cases whose
 * 'family / level' contains a or b (no ordinary traffic then, unless EVAL_HOURS=h sets its length). EVAL_SCALE=k:
 * k times the ordinary installs and rate (family-case.ts).
 */
const MIN = 60_000
const DAY = 86_400_000
const quick = process.env.EVAL_QUICK === '1'
const verbose = process.env.EVAL_VERBOSE === '1'
const only = process.env.EVAL_ONLY ?? ''
/**
 * EVAL_TRACE=id,id: every detection run's findings that name one of these installs (score and reasons), to see which
 * test fires when. `groups` among them: every prompt-bombing finding on a group (a tenant+feature or trait group), the
 * group tests' null on benign cases.
 */
const traced = (process.env.EVAL_TRACE ?? '').split(',').filter(Boolean)
const tracedGroups = traced.includes('groups')
const f2 = (x: number | null) => (x === null ? '–' : x.toFixed(2))
const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] : null)
const p95 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)] : null)

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-eval-'))
  const base = await openStore({
    CLICKHOUSE_URL: undefined,
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_PASSWORD: '',
    CLICKHOUSE_DATABASE: 'eval',
    CLICKHOUSE_CLUSTER: '',
    DATA_DIR: dir,
  })
  const rows: string[] = [
    '| split | family | level | entities | recall | alerts | precision per alert | incidents | precision per incident | latency median / p95 (min) | bystanders named |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  const totals = new Map<string, FamilyScore & { latencies: number[] }>()
  let i = 0
  const runCase = async (options: Omit<ReplayOptions, 'settings'>, label: string) => {
    const store: Store = { ...base, database: `eval_${i++}` }
    await migrate(store, { retentionDays: 30 })
    // Every case starts at 00:00 UTC yesterday, not at a minute that moves with the clock: the detectors' 5-, 15- and
    // 60-minute windows then cut every run of a case at the same places, so two runs of one tree give the same table.
    const startMs = Math.floor(Date.now() / DAY) * DAY - DAY
    const t0 = Date.now()
    const onRun: ReplayOptions['onRun'] = traced.length
      ? (now, run) => {
          for (const f of run.findings) {
            const names = f.subject_kind === 'install' ? [f.subject] : ((f.evidence as { members?: string[] } | null)?.members ?? [])
            const group = tracedGroups && f.detector === 'prompt_bombing' && f.subject_kind !== 'install'
            if (!group && !traced.some((t) => names.includes(t))) continue
            const reasons = (f.evidence as { reasons?: string[] } | null)?.reasons ?? []
            console.log(`  trace t+${Math.round((now - startMs) / MIN)} min: ${f.detector} ${f.subject} score ${f.score.toFixed(1)}: ${reasons.join('; ')}`)
          }
        }
      : undefined
    const r = await replay(store, { ...options, settings: DEFAULT_DETECTION_SETTINGS, onRun }, startMs, verbose ? (line) => console.log(line) : undefined)
    const per = Object.entries(r.detectorMs)
      .map(([d, ms]) => `${d} ${Math.round(ms / Math.max(1, r.ticks))}`)
      .join(', ')
    console.log(
      `${label}: ${r.events} events, ${r.ticks} runs (${Math.round(r.detectMs / Math.max(1, r.ticks))} ms each: ${per}), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    )
    await base.client.command({ query: `DROP DATABASE IF EXISTS ${store.database} SYNC` }).catch(() => {})
    return r
  }
  try {
    for (const fc of familyGrid(quick).filter((f) => !only || only.split('|').some((o) => `${f.family} / ${f.level}`.includes(o)))) {
      const r = await runCase(fc.options, `${fc.split} ${fc.family} / ${fc.level}`)
      const s = scoreFamily(r, fc.expected)
      if (verbose) for (const a of s.falseAlarms) console.log(`  false alert: ${a}`)
      if (verbose && s.missed.length) console.log(`  missed: ${s.missed.join(',')}`)
      if (verbose && s.namedAfter.length)
        console.log(`  named (minutes after the attack began): ${s.namedAfter.map((n) => `${n.install} ${n.minutes.toFixed(1)}`).join(', ')}`)
      if (verbose && s.bystanderIds.length) console.log(`  bystanders: ${s.bystanderIds.join(',')}`)
      rows.push(
        `| ${fc.split} | ${fc.family} | ${fc.level} | ${s.positives} | ${f2(s.recall)} | ${s.alerts} | ${f2(s.precision)} | ${s.incidents} | ${f2(s.incidentPrecision)} | ${f2(med(s.latencies))} / ${f2(p95(s.latencies))} | ${s.bystanders} |`,
      )
      // Each row as soon as it is known, so a run cut short still shows what it measured.
      console.log(rows[rows.length - 1])
      const key = `${fc.split}\u0000${fc.family}`
      const t = totals.get(key) ?? {
        positives: 0,
        named: 0,
        recall: null,
        alerts: 0,
        trueAlerts: 0,
        falseAlerts: 0,
        precision: null,
        incidents: 0,
        falseIncidents: 0,
        incidentPrecision: null,
        latencies: [],
        bystanders: 0,
        falseAlarms: [],
        missed: [],
        bystanderIds: [],
        namedAfter: [],
      }
      t.positives += s.positives
      t.named += s.named
      t.alerts += s.alerts
      t.trueAlerts += s.trueAlerts
      t.falseAlerts += s.falseAlerts
      t.incidents += s.incidents
      t.falseIncidents += s.falseIncidents
      t.latencies.push(...s.latencies)
      t.bystanders += s.bystanders
      totals.set(key, t)
    }
    const hours = process.env.EVAL_HOURS ? Number(process.env.EVAL_HOURS) : only ? 0 : quick ? 2 : 8
    const normal =
      hours === 0
        ? null
        : await runCase(
            {
              seed: 5,
              installs: Math.round(1500 * EVAL_SCALE),
              ratePerSec: 10 * EVAL_SCALE,
              scenarios: [],
              durationMs: hours * 60 * MIN + 40 * MIN,
              tickMs: 5 * MIN,
              detectFromMs: 40 * MIN,
            },
            `ordinary traffic, ${hours} h`,
          )
    const perDetector = normal ? DETECTOR_NAMES.map((d) => `${d} ${scoreRun(normal, d).falseAlarms}`).join(', ') : 'not run'
    if (normal && verbose)
      for (const a of normal.alarms.filter((x) => x.openedAt.length))
        console.log(`  ordinary-traffic alert: ${a.detector} ${a.subject} ${JSON.stringify((a.evidence as { reasons?: string[] })?.reasons ?? [])}`)
    console.log('\n' + rows.join('\n'))
    console.log(
      '\n| split | family | entities | entity recall | alerts | false alerts | precision per alert | incidents | false incidents | precision per incident | latency median / p95 (min) | bystanders named |\n|---|---|---|---|---|---|---|---|---|---|---|---|',
    )
    for (const [key, t] of totals) {
      const [split, family] = key.split('\u0000')
      console.log(
        `| ${split} | ${family} | ${t.positives} | ${f2(t.positives ? t.named / t.positives : null)} | ${t.alerts} | ${t.falseAlerts} | ${f2(t.alerts ? t.trueAlerts / t.alerts : null)} | ${t.incidents} | ${t.falseIncidents} | ${f2(t.incidents ? (t.incidents - t.falseIncidents) / t.incidents : null)} | ${f2(med(t.latencies))} / ${f2(p95(t.latencies))} | ${t.bystanders} |`,
      )
    }
    console.log(
      `\nOrdinary traffic only, ${hours} simulated h after 40 min of history (${Math.round(1500 * EVAL_SCALE)} installs, ${10 * EVAL_SCALE} ev/s, detectors every 5 min): alerts opened: ${perDetector}`,
    )
  } finally {
    await base.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
