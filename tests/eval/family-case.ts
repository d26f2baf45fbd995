import type { DetectorName } from '../../lib/detection/types'
import type { ScenarioName, ScenarioSettings } from '../../lib/simulator'
import type { ReplayOptions } from '../../harness/eval/replay'

/** What every case of the evaluation grid (families.ts, families-redteam.ts) is built from. */
export const MIN = 60_000
/** Bulk-loaded history before the attack: the sequential baseline needs 30 min before its window. */
export const HISTORY = 40 * MIN

export interface FamilyCase {
  family: string
  level: string
  split: 'tune' | 'holdout'
  expected: readonly DetectorName[]
  options: Omit<ReplayOptions, 'settings'>
}

export function run(seed: number, scenario: ScenarioName | null, s: ScenarioSettings = {}, attackMin = 15, tickMs = 60_000): Omit<ReplayOptions, 'settings'> {
  return {
    seed,
    installs: 1500,
    ratePerSec: 20,
    scenarios: scenario ? [scenario] : [],
    scenarioSettings: scenario ? { [scenario]: { offsetMs: HISTORY, durationMs: attackMin * MIN, ...s } } : {},
    durationMs: HISTORY + attackMin * MIN,
    tickMs,
    detectFromMs: HISTORY - MIN,
  }
}

export const BOMB: DetectorName[] = ['prompt_bombing']
export const c = (
  family: string,
  level: string,
  split: FamilyCase['split'],
  expected: readonly DetectorName[],
  options: FamilyCase['options'],
): FamilyCase => ({
  family,
  level,
  split,
  expected,
  options,
})
