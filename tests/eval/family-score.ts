import type { DetectorName } from '../../lib/detection/types'
import type { GroundTruthLabel } from '../../lib/simulator'
import { featureOf, namesAttack } from '../../harness/eval/names-attack'
import { alarmKey, type ReplayResult } from '../../harness/eval/replay'

/**
 * Scores one family run. Entity recall: attack installs (or the attacked
 * feature, for cost) named by an alert of one of the expected detectors, at
 * any time after the attack started. Precision per alert: alerts opened in
 * the run (any detector) that name at least one attack entity (or, for cost,
 * are on an attacked feature), over all alerts opened; alerts on benign
 * look-alikes or ordinary installs are false.
 * Latency: from the entity's label start to the first alert naming it.
 * Precision per incident: incidents (alerts grouped as the inbox groups them)
 * holding at least one true alert, over all incidents.
 */
export interface FamilyScore {
  positives: number
  named: number
  recall: number | null
  alerts: number
  trueAlerts: number
  falseAlerts: number
  precision: number | null
  incidents: number
  falseIncidents: number
  incidentPrecision: number | null
  latencies: number[]
  /** Installs that are not attackers yet were named (as subject or member) by an alert of an expected detector. */
  bystanders: number
  /** One line per false alert: detector, subject, first reason. */
  falseAlarms: string[]
  /** Attack installs never named, and the bystanders' ids (EVAL_VERBOSE prints them, for EVAL_TRACE). */
  missed: string[]
  bystanderIds: string[]
  /** Attack installs named, each with its minutes from its label's start to the first alert naming it. */
  namedAfter: { install: string; minutes: number }[]
}

export function scoreFamily(r: ReplayResult, expected: readonly DetectorName[]): FamilyScore {
  const labels = r.labels.filter((l) => l.start_ms < r.endMs)
  const installs = new Map<string, GroundTruthLabel>()
  for (const l of labels) if (l.kind === 'install') installs.set(l.subject, l)
  const attackInstalls = [...installs.values()].filter((l) => l.scenario !== 'benign')
  const features = labels.filter((l) => l.kind === 'feature')
  const alarms = r.alarms.filter((a) => a.openedAt.length > 0)
  const latencies: number[] = []
  let positives = 0
  let named = 0
  const missed: string[] = []
  const namedAfter: { install: string; minutes: number }[] = []
  if (features.length) {
    // A benign feature label (a launch that changed every user) is no attack to find; a cost alert on it is still true.
    for (const f of features.filter((l) => l.scenario !== 'benign')) {
      positives++
      const first = Math.min(
        ...alarms
          .filter((a) => expected.includes(a.detector) && featureOf(a.subject) === featureOf(f.subject))
          .flatMap((a) => a.openedAt)
          .filter((t) => t >= f.start_ms),
      )
      if (Number.isFinite(first)) {
        named++
        latencies.push((first - f.start_ms) / 60_000)
      }
    }
  }
  for (const l of attackInstalls) {
    positives++
    let first = Infinity
    for (const a of alarms) if (expected.includes(a.detector)) first = Math.min(first, a.members.get(l.subject) ?? Infinity)
    if (Number.isFinite(first)) {
      named++
      latencies.push(Math.max(0, (first - l.start_ms) / 60_000))
      namedAfter.push({ install: l.subject, minutes: latencies[latencies.length - 1] })
    } else missed.push(l.subject)
  }
  const bystanders = new Set<string>()
  for (const a of alarms)
    if (expected.includes(a.detector) && a.detector !== 'cost_anomalies')
      for (const m of a.members.keys()) if (installs.get(m)?.scenario === undefined || installs.get(m)?.scenario === 'benign') bystanders.add(m)
  let trueAlerts = 0
  let falseAlerts = 0
  const falseAlarms: string[] = []
  for (const a of alarms) {
    if (namesAttack(a, installs, features)) trueAlerts += a.openedAt.length
    else {
      falseAlerts += a.openedAt.length
      falseAlarms.push(
        `${a.detector} ${a.subject} ${JSON.stringify((a.evidence as { reasons?: string[] } | null)?.reasons ?? [])} ${JSON.stringify((a.evidence as { signals?: unknown } | null)?.signals ?? '')}`,
      )
    }
  }
  const alerts = trueAlerts + falseAlerts
  const byKey = new Map(alarms.map((a) => [alarmKey(a.detector, a.subject), a]))
  const incidents = r.incidents.filter((i) => [...i.alarmKeys].some((k) => byKey.has(k)))
  const falseIncidents = incidents.filter((i) => ![...i.alarmKeys].some((k) => byKey.has(k) && namesAttack(byKey.get(k)!, installs, features))).length
  return {
    positives,
    named,
    recall: positives ? named / positives : null,
    alerts,
    trueAlerts,
    falseAlerts,
    precision: alerts ? trueAlerts / alerts : null,
    latencies,
    bystanders: bystanders.size,
    falseAlarms,
    missed,
    bystanderIds: [...bystanders],
    namedAfter,
    incidents: incidents.length,
    falseIncidents,
    incidentPrecision: incidents.length ? (incidents.length - falseIncidents) / incidents.length : null,
  }
}
