import type { DetectorName } from '../../lib/detection/types'
import type { ScenarioName, ScenarioSettings } from '../../lib/simulator'
import type { ReplayOptions } from '../../harness/eval/replay'

/** What every case of the evaluation grid (families.ts, families-redteam.ts) is built from. */
export const MIN = 60_000
/** Bulk-loaded history before the attack: the sequential baseline needs 30 min before its window. */
export const HISTORY = 40 * MIN
/**
 * EVAL_SCALE=k multiplies the ordinary installs and their event rate (1,500 installs at 20 ev/s by default; the
 * attackers stay as many): how a test's null holds where a feature has thousands of active installs, as at 5,000 ev/s.
 * The tables in docs/detection.md are at scale 1.
 */
export const EVAL_SCALE = Math.max(1, Number(process.env.EVAL_SCALE ?? 1))

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
    installs: Math.round(1500 * EVAL_SCALE),
    ratePerSec: 20 * EVAL_SCALE,
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

/** A red-team case (held out): `kind` is the scenario's `redteam` setting, `min` the attack's minutes. */
export function redTeamCase(
  family: string,
  level: string,
  expected: readonly DetectorName[],
  seed: number,
  scenario: ScenarioName,
  kind: NonNullable<ScenarioSettings['redteam']>,
  min = 15,
  s: ScenarioSettings = {},
  tickMs = 60_000,
): FamilyCase {
  return c(family, level, 'holdout', expected, run(seed, scenario, { redteam: kind, ...s }, min, tickMs))
}

/** A red-team look-alike (held out): 30 minutes after the history, nothing to find. */
export function redTeamLookAlike(
  family: string,
  level: string,
  seed: number,
  kind: NonNullable<ScenarioSettings['redteam']>,
  s: ScenarioSettings = {},
): FamilyCase {
  return c(family, level, 'holdout', [], run(seed, 'benign', { redteam: kind, offsetMs: HISTORY, durationMs: 30 * MIN, ...s }, 30, 120_000))
}
