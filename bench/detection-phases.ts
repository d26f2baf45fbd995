import { rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { cpus, loadavg } from 'node:os'
import { runDetectors } from '../lib/detection/detect-all'
import { takePhaseCosts } from '../lib/detection/phase-cost'
import { DEFAULT_DETECTION_SETTINGS } from '../lib/detection/settings'
import { openBenchStore } from './detection-history'
import { costQueries, threadCpu } from './detection-query-cost'

/**
 * The detectors' CPU per phase on the bench's copied history, without the
 * live replay: `BENCH_DETECTION_HISTORY_DIR=/some/dir npx tsx
 * bench/detection-phases.ts [rate] [runs] [findings.json]` runs every
 * detector `runs` times (default 20) on the 30 s cadence from the end of the
 * history, after one warm-up run, on a copy of the saved history (built
 * there first if absent, as the detection section builds it). Ordinary
 * traffic only: what the detectors cost at that rate before any attack, and
 * every finding there is a false alarm. With a third argument the findings
 * (detector, subject, score) are written to that file: two versions of a
 * detector that should find the same things are compared by diffing it.
 * `BENCH_DETECTION_CPU_PROFILE=<file.cpuprofile>` profiles the measured runs
 * (not the warm-up, which builds every kept state) with the V8 profiler.
 * `BENCH_DETECTION_QUERY_COST=1` also prints the engine's CPU per query
 * (detection-query-cost.ts) and each run's costliest phases;
 * `BENCH_DETECTION_QUERY_SETTINGS='{"max_threads":1}'` puts settings on every
 * query (an experiment).
 */
async function main() {
  const rate = Number(process.argv[2] ?? 5_000)
  // 20 runs are 10 minutes, two of the baselines' 5-minute steps (BASELINE_STEP_MS): a read paid once a step (the
  // baselines, the features' tails) then weighs per run as it does live; 6 runs gave it up to a sixth of the total.
  const runs = Number(process.argv[3] ?? 20)
  const out = process.argv[4]
  const installs = rate >= 1_000 ? rate * 4 : 1_500
  const seedMin = Number(process.env.BENCH_DETECTION_SEED_MIN ?? 8)
  const b = await openBenchStore({ rate, installs, seed: 31, seedMin, historyMin: 64, liveMin: 14 }, true)
  const liveStart = b.startMs + 64 * 60_000
  const querySettings = JSON.parse(process.env.BENCH_DETECTION_QUERY_SETTINGS ?? '{}') as Record<string, string | number>
  const perQuery = process.env.BENCH_DETECTION_QUERY_COST === '1' || Object.keys(querySettings).length > 0
  const takeQueryCosts = perQuery ? costQueries(b.store, querySettings) : undefined
  let threads0 = new Map<string, number>()
  const queryTotals = new Map<string, { cpuMs: number; wallMs: number; calls: number }>()
  const found: { now: number; detector: string; subject: string; score: number; members?: number }[] = []
  let cpuMs = 0
  const load0 = loadavg()[0]
  const profileTo = process.env.BENCH_DETECTION_CPU_PROFILE
  const profiler = profileTo ? new Session() : undefined
  for (let k = 0; k <= runs; k++) {
    const now = liveStart + k * 30_000
    if (k === 1) takePhaseCosts()
    if (k === 1) takeQueryCosts?.()
    if (k === 1 && takeQueryCosts) threads0 = threadCpu()
    if (k === 1 && profiler) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const cpu0 = process.cpuUsage()
    const run = await runDetectors(b.store, DEFAULT_DETECTION_SETTINGS, now)
    const cpu = process.cpuUsage(cpu0)
    if (k > 0) cpuMs += (cpu.user + cpu.system) / 1000
    if (run.failed.length) console.log(`run ${k}: failed ${JSON.stringify(run.failed)}`)
    for (const f of run.findings) {
      const members = (f.evidence as { members?: string[] } | null)?.members?.length
      found.push({ now: k, detector: f.detector, subject: f.subject, score: Math.round(f.score * 1000) / 1000, members })
    }
    console.log(`run ${k}: ${run.findings.length} findings, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, load ${loadavg()[0].toFixed(1)}`)
    if (takeQueryCosts && k > 0) {
      const q = takeQueryCosts()
      for (const [name, c] of q) {
        const t = queryTotals.get(name) ?? { cpuMs: 0, wallMs: 0, calls: 0 }
        queryTotals.set(name, { cpuMs: t.cpuMs + c.cpuMs, wallMs: t.wallMs + c.wallMs, calls: t.calls + c.calls })
      }
      const sum = [...q.values()].reduce((a, c) => a + c.cpuMs, 0)
      const top = [...q].sort((x, y) => y[1].cpuMs - x[1].cpuMs).slice(0, 4)
      console.log(`  queries ${sum.toFixed(0)} ms; ${top.map(([n, c]) => `${c.cpuMs.toFixed(0)} ${n.slice(0, 60)}`).join(' | ')}`)
    }
  }
  const phases = takePhaseCosts()
  if (profiler && profileTo) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(profileTo, JSON.stringify(profile))
    profiler.disconnect()
  }
  console.log(`${rate} ev/s, ${runs} runs after a warm-up, load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`)
  console.log(`all detectors: ${(cpuMs / runs).toFixed(0)} ms CPU per run = ${((cpuMs / runs / 30_000) * 100).toFixed(1)}% of one core`)
  for (const [phase, p] of [...phases].sort((x, y) => y[1].cpuMs - x[1].cpuMs))
    console.log(`  ${phase}: ${(p.cpuMs / runs).toFixed(0)} ms CPU, ${(p.wallMs / runs).toFixed(0)} ms wall per run (${((p.cpuMs / cpuMs) * 100).toFixed(0)}%)`)
  if (takeQueryCosts) {
    const all = [...queryTotals.values()].reduce((a, c) => a + c.cpuMs, 0)
    console.log(`queries: ${(all / runs).toFixed(0)} ms CPU per run, settings ${JSON.stringify(querySettings)}`)
    const threads = [...threadCpu()].map(([name, ms]) => [name, ms - (threads0.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0)
    console.log(
      `threads (CPU ms per run): ${threads
        .sort((x, y) => y[1] - x[1])
        .map(([n, ms]) => `${n} ${(ms / runs).toFixed(0)}`)
        .join(', ')}`,
    )
    for (const [name, c] of [...queryTotals].sort((x, y) => y[1].cpuMs - x[1].cpuMs))
      console.log(
        `  ${(c.cpuMs / runs).toFixed(0).padStart(5)} ms CPU ${(c.wallMs / runs).toFixed(0).padStart(5)} ms wall ${String(c.calls).padStart(3)} calls  ${name}`,
      )
  }
  if (out)
    writeFileSync(
      out,
      JSON.stringify(
        found.sort((x, y) => x.now - y.now || x.detector.localeCompare(y.detector) || x.subject.localeCompare(y.subject)),
        null,
        1,
      ),
    )
  await b.store.close()
  rmSync(b.dir, { recursive: true, force: true })
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
