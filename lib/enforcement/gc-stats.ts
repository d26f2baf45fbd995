import { constants, PerformanceObserver } from 'node:perf_hooks'

/**
 * The garbage collector's pauses in this process, counted since start (GET /health `gc`). A decision waits for
 * any pause that falls while it is being served, so these are the first thing to read beside a latency tail:
 * in the bench at 5,000 decisions/s the slowest decisions with Redis allowances lined up with scavenges of
 * 3-5 ms and mark-compacts of 16-24 ms (docs/benchmarks.md, Enforcer, session 18; the flushes' own connection,
 * redis-lane.ts, removed that in session 19). A pause of SLOW_MS or more
 * is on its own at the decision-latency target (p99 ≤ 2 ms).
 */
export interface GcPauses {
  count: number
  ms: number
  /** Pauses of SLOW_MS or more. */
  slow: number
}

export interface GcStats {
  /** Scavenges: the young generation. */
  minor: GcPauses
  /** Mark-compacts and their incremental marking steps: the whole heap. */
  major: GcPauses
}

const SLOW_MS = 2

/** Starts counting (one observer per process; the entries cost nothing between collections). */
export function gcStats(): { stats: GcStats; stop: () => void } {
  const stats: GcStats = { minor: { count: 0, ms: 0, slow: 0 }, major: { count: 0, ms: 0, slow: 0 } }
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind
      const p =
        kind === constants.NODE_PERFORMANCE_GC_MINOR
          ? stats.minor
          : kind === constants.NODE_PERFORMANCE_GC_MAJOR || kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL
            ? stats.major
            : null
      if (!p) continue
      p.count++
      p.ms += e.duration
      if (e.duration >= SLOW_MS) p.slow++
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  return { stats, stop: () => observer.disconnect() }
}
