import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export const SCENARIO_NAMES = ['prompt_bomber', 'emulator_farm', 'cost_spike', 'stream_abuse', 'token_reuse', 'model_shift', 'benign'] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

/**
 * Ground truth for scoring detections. `subject` is an install_id for
 * kind 'install', `tenant/feature/app_version` for kind 'feature', and a
 * scenario-chosen cluster name for kind 'cluster' (members are listed as
 * separate install labels). Times are epoch ms; the window is when the
 * behaviour is observable in events, not when the attacker first planned it.
 */
export interface GroundTruthLabel {
  scenario: ScenarioName
  kind: 'install' | 'feature' | 'cluster'
  subject: string
  tenant_id: string
  start_ms: number
  end_ms: number
  /** Facts a detector may be scored on (shared subnets, versions, ...). Never needed to parse the rest. */
  detail?: Record<string, string | number | string[]>
}

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name)
}

/** Parses "a,b" into scenario names; throws on an unknown one so a typo is not silently ignored. */
export function parseScenarioList(text: string): ScenarioName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const name of names) {
    if (!isScenarioName(name)) throw new Error(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`)
  }
  return [...new Set(names)] as ScenarioName[]
}

export function formatLabels(labels: readonly GroundTruthLabel[]): string {
  return labels.map((l) => JSON.stringify(l)).join('\n') + (labels.length ? '\n' : '')
}

/**
 * Rewrites the whole file (labels only grow, and a reader must never see a
 * half-written line), via a temp file and rename.
 */
export function writeLabels(path: string, labels: readonly GroundTruthLabel[]): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, formatLabels(labels))
  renameSync(tmp, path)
}
