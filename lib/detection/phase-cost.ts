/**
 * CPU and wall time per detector and per phase of a detector, summed until
 * taken: the bench's breakdown of what the detectors cost. Detectors run one
 * after the other (detect-all), so the process CPU spent during a phase is
 * the phase's, the embedded engine's threads included (with a ClickHouse
 * server the engine's part is not in this process). Phases nest: a
 * detector's total includes its phases.
 */
export interface PhaseCost {
  wallMs: number
  cpuMs: number
  calls: number
}

const totals = new Map<string, PhaseCost>()

export async function timePhase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const wall0 = performance.now()
  const cpu0 = process.cpuUsage()
  try {
    return await fn()
  } finally {
    const cpu = process.cpuUsage(cpu0)
    const t = totals.get(name) ?? { wallMs: 0, cpuMs: 0, calls: 0 }
    t.wallMs += performance.now() - wall0
    t.cpuMs += (cpu.user + cpu.system) / 1000
    t.calls++
    totals.set(name, t)
  }
}

/** The sums since the last call, and a fresh start. */
export function takePhaseCosts(): Map<string, PhaseCost> {
  const out = new Map(totals)
  totals.clear()
  return out
}
