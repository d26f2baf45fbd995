import type { Store } from '../../lib/clickhouse/client'
import { planDetectionRun } from '../../lib/alerts/engine'
import type { Incident } from '../../lib/alerts/incident-types'
import { DEFAULT_ALERT_POLICY } from '../../lib/alerts/lifecycle'
import type { Alert } from '../../lib/alerts/types'
import { runDetectors } from '../../lib/detection/detect-all'
import type { DetectionSettings } from '../../lib/detection/settings'
import type { DetectorName } from '../../lib/detection/types'
import { GatewaySimulator, type GroundTruthLabel, type ScenarioName, type ScenarioSettings } from '../../lib/simulator'
import { fastLoader } from './fast-load'

export interface ReplayOptions {
  seed: number
  installs: number
  ratePerSec: number
  scenarios: ScenarioName[]
  scenarioSettings?: Partial<Record<ScenarioName, ScenarioSettings>>
  /** Simulated span, and how often the detectors run within it (after `detectFromMs`). */
  durationMs: number
  tickMs: number
  detectFromMs: number
  settings: DetectionSettings
  /** Run only these detectors (a harness timing one detector); all by default. */
  only?: readonly DetectorName[]
  /** Detection stops here (ms from the start) although the span goes on: a harness that needs only the first minutes. */
  detectUntilMs?: number
  /** Called after each detection run with its findings (a harness tracing one scenario's installs). */
  onRun?: (now: number, run: Awaited<ReturnType<typeof runDetectors>>, store: Store) => Promise<void> | void
}

/** An alert as the evaluation saw it: when it opened (or reopened) and the members it ever listed. */
export interface AlarmRecord {
  detector: DetectorName
  subject: string
  tenant_id: string
  openedAt: number[]
  /** Install ids the alert named, with the first time each was named (installs: the subject itself). */
  members: Map<string, number>
  evidence: unknown
}

/** An incident as the evaluation saw it: the alerts (detector + subject keys of `alarms`) it ever held. */
export interface IncidentRecord {
  id: string
  alarmKeys: Set<string>
}

export const alarmKey = (detector: string, subject: string) => `${detector}\u0000${subject}`

export interface ReplayResult {
  startMs: number
  endMs: number
  labels: GroundTruthLabel[]
  alarms: AlarmRecord[]
  /** Incidents opened in the run (merged ones folded into the incident they joined). */
  incidents: IncidentRecord[]
  events: number
  detectMs: number
  ticks: number
  /** CPU of the process (all threads: the embedded engine runs in it) during detection runs, ms. */
  detectCpuMs: number
  /** Time spent per detector over all runs (ms). */
  detectorMs: Record<string, number>
}

/**
 * Plays the simulator forward tick by tick: each tick's events are loaded,
 * then every detector runs with `now` = the tick's end, and the alert state
 * machine and incident grouping are applied in memory exactly as the runner
 * applies them in ClickHouse (planDetectionRun).
 * Loading tick by tick (not all at once) keeps later events invisible to
 * earlier detection runs.
 */
export async function replay(store: Store, o: ReplayOptions, startMs: number, progress: (line: string) => void = () => {}): Promise<ReplayResult> {
  const sim = new GatewaySimulator({
    seed: o.seed,
    installs: o.installs,
    ratePerSec: o.ratePerSec,
    scenarios: o.scenarios,
    startMs,
    scenarioSettings: o.scenarioSettings,
  })
  const load = fastLoader(store)
  const alerts = new Map<string, Alert>()
  const records = new Map<string, AlarmRecord>()
  const incidents = new Map<string, Incident>()
  const incidentAlarms = new Map<string, Set<string>>()
  let events = 0
  let detectMs = 0
  let ticks = 0
  const detectorMs: Record<string, number> = {}
  let detectCpuMs = 0
  const endMs = startMs + Math.min(o.durationMs, o.detectUntilMs ?? Infinity)
  // Bulk-load the part before detection starts: nothing looks at it until then.
  const firstTick = startMs + o.detectFromMs
  events += await load(sim.generate(startMs, firstTick))
  for (let t = firstTick; t < endMs; t += o.tickMs) {
    const now = Math.min(endMs, t + o.tickMs)
    events += await load(sim.generate(t, now))
    const started = Date.now()
    const cpu0 = process.cpuUsage()
    const run = await runDetectors(store, o.settings, now, o.only)
    const cpu = process.cpuUsage(cpu0)
    detectCpuMs += (cpu.user + cpu.system) / 1000
    detectMs += Date.now() - started
    for (const [d, ms] of Object.entries(run.durationMs)) detectorMs[d] = (detectorMs[d] ?? 0) + ms
    ticks++
    await o.onRun?.(now, run, store)
    if (run.failed.length) progress(`  detector failure at ${new Date(now).toISOString()}: ${JSON.stringify(run.failed)}`)
    const active = [...alerts.values()].filter((a) => a.state !== 'resolved' || (a.resolved_at ?? 0) >= now - DEFAULT_ALERT_POLICY.resolveAfterMs)
    const liveIncidents = [...incidents.values()].filter((i) => i.state !== 'resolved' || (i.resolved_at ?? 0) >= now - 2 * DEFAULT_ALERT_POLICY.resolveAfterMs)
    const result = planDetectionRun(active, liveIncidents, { ...run, now }, DEFAULT_ALERT_POLICY)
    for (const a of result.written) alerts.set(a.id, a)
    for (const i of result.incidents.incidents) incidents.set(i.id, i)
    for (const tr of result.transitions) {
      const a = alerts.get(tr.alert_id)!
      const key = alarmKey(a.detector, a.subject)
      const rec: AlarmRecord = records.get(key) ?? {
        detector: a.detector,
        subject: a.subject,
        tenant_id: a.tenant_id,
        openedAt: [],
        members: new Map<string, number>(),
        evidence: a.evidence,
      }
      if (tr.action === 'create' || tr.action === 'reopen') rec.openedAt.push(now)
      records.set(key, rec)
    }
    // Members named by alerts that are open now.
    for (const a of alerts.values()) {
      if (a.state === 'resolved') continue
      const rec = records.get(alarmKey(a.detector, a.subject))
      if (!rec) continue
      if (a.incident_id) {
        const set = incidentAlarms.get(a.incident_id) ?? new Set<string>()
        incidentAlarms.set(a.incident_id, set.add(alarmKey(a.detector, a.subject)))
      }
      rec.evidence = a.evidence
      const members = a.subject_kind === 'install' ? [a.subject] : ((a.evidence as { members?: string[] } | null)?.members ?? [])
      for (const m of members) if (!rec.members.has(m)) rec.members.set(m, now)
    }
    if (ticks % 10 === 0) progress(`  t+${Math.round((now - startMs) / 60_000)} min: ${events} events, ${alerts.size} alerts`)
  }
  return {
    startMs,
    endMs,
    labels: sim.labels(),
    alarms: [...records.values()],
    incidents: foldMerged(incidents, incidentAlarms),
    events,
    detectMs,
    ticks,
    detectorMs,
    detectCpuMs,
  }
}

/** One record per incident that was not merged away, holding the alerts of every incident merged into it. */
function foldMerged(incidents: Map<string, Incident>, alarms: Map<string, Set<string>>): IncidentRecord[] {
  const root = (id: string): string => {
    const into = incidents.get(id)?.merged_into
    return into && into !== id ? root(into) : id
  }
  const out = new Map<string, IncidentRecord>()
  for (const [id, keys] of alarms) {
    const r = root(id)
    const rec = out.get(r) ?? { id: r, alarmKeys: new Set<string>() }
    for (const k of keys) rec.alarmKeys.add(k)
    out.set(r, rec)
  }
  return [...out.values()]
}
