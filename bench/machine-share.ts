import { readFileSync } from 'node:fs'

/**
 * How the machine's CPU time was spent while a run was timed, in percent.
 * This is a shared VM: `steal` is time the hypervisor gave to other guests,
 * and it moves rates by a factor of two between runs, so every run reports it.
 */
export interface MachineShare {
  idlePct: number
  stealPct: number
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal …, in ticks. */
export const cpuTicks = (): number[] => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)

export function machineShare(before: number[], after = cpuTicks()): MachineShare {
  const d = after.map((v, i) => v - (before[i] ?? 0))
  const total = d.reduce((a, b) => a + b, 0) || 1
  return { idlePct: (100 * (d[3] + d[4])) / total, stealPct: (100 * d[7]) / total }
}

export const machineNote = (m: MachineShare) => `machine: steal ${m.stealPct.toFixed(0)}%, idle ${m.idlePct.toFixed(0)}%`
