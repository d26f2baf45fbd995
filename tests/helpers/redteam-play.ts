import { GatewaySimulator, type ScenarioName, type ScenarioSettings } from '../../lib/simulator'

export const MIN = 60_000
/** Minutes of ordinary history before a red-team case starts, as the eval plays it. */
export const HISTORY = 40 * MIN

export type AnyEvent = Record<string, any>

/** One red-team case on 1,500 installs at 20 ev/s after HISTORY: its labels, every event, and the labelled installs' events. */
export function playRedTeam(seed: number, start: number, scenario: ScenarioName, settings: ScenarioSettings, minutes = 15) {
  const sim = new GatewaySimulator({
    seed,
    installs: 1500,
    ratePerSec: 20,
    scenarios: [scenario],
    startMs: start,
    scenarioSettings: { [scenario]: { offsetMs: HISTORY, durationMs: minutes * MIN, ...settings } },
  })
  const labels = sim.labels(true)
  const events = sim.generate(start, start + HISTORY + minutes * MIN) as AnyEvent[]
  const installs = labels.filter((l) => l.kind === 'install')
  const ids = new Set(installs.map((l) => l.subject))
  return { labels, events, installs, ids, mine: events.filter((e) => ids.has(e.install_id)) }
}

export const isCall = (e: AnyEvent) => e.type === 'llm_request' || e.type === 'stream'
