import type { DetectorName } from '../../lib/detection/types'
import type { GroundTruthLabel, ScenarioName } from '../../lib/simulator'
import type { ReplayResult } from '../../harness/eval/replay'

/** Which scenario each detector is scored against. */
export const TARGET: Record<DetectorName, ScenarioName> = {
  prompt_bombing: 'prompt_bomber',
  emulator_farms: 'emulator_farm',
  cost_anomalies: 'cost_spike',
  stream_abuse: 'stream_abuse',
  token_reuse: 'token_reuse',
}

export interface DetectorScore {
  detector: DetectorName
  /** Attack units: installs (bombers, farm members, stream abusers) or features (cost spikes). */
  positives: number
  truePositives: number
  /** Flagged units that belong to a different attack (e.g. a bomber also flagged for stream abuse). */
  crossDetections: number
  /** Flagged units with no attack label at all. */
  falsePositives: number
  /** Alerts opened (or reopened) on normal subjects. */
  falseAlarms: number
  recall: number | null
  /** TP / (TP + FP): cross-detections are other real attacks, not false positives. */
  precision: number | null
  /** TP / (TP + cross + FP). */
  strictPrecision: number | null
  /** Minutes from the label's start to the first alert naming the unit: median and max. */
  latencyMedianMin: number | null
  latencyMaxMin: number | null
  alerts: number
}

const median = (xs: number[]) => {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** 'kind:tenant/feature' or 'tenant/feature/version' → 'tenant/feature'. */
const featureOf = (subject: string) =>
  subject
    .replace(/^[a-z_]+:/, '')
    .split('/')
    .slice(0, 2)
    .join('/')

export function scoreRun(r: ReplayResult, detector: DetectorName): DetectorScore {
  const target = TARGET[detector]
  // Only attacks that were observable before the run's last detection count as positives.
  const labels = r.labels.filter((l) => l.start_ms < r.endMs)
  const installLabel = new Map<string, GroundTruthLabel>()
  for (const l of labels) if (l.kind === 'install') installLabel.set(l.subject, l)
  const alarms = r.alarms.filter((a) => a.detector === detector && a.openedAt.length > 0)
  let tp = 0
  let cross = 0
  let fp = 0
  let falseAlarms = 0
  const latencies: number[] = []
  let positives = 0
  if (detector === 'cost_anomalies') {
    const spikes = labels.filter((l) => l.scenario === target && l.kind === 'feature')
    // Features under another attack: bombers and stream abusers name theirs; a farm's traffic lands on its tenant's features.
    const attacked = new Set(labels.map((l) => (l.detail?.feature ? `${l.tenant_id}/${l.detail.feature}` : null)).filter(Boolean) as string[])
    const farmTenants = new Set(labels.filter((l) => l.scenario === 'emulator_farm').map((l) => l.tenant_id))
    positives = spikes.length
    for (const spike of spikes) {
      const hits = alarms.filter(
        (a) => featureOf(a.subject) === featureOf(spike.subject) && (a.subject === spike.subject || !/\/.*\//.test(a.subject.replace(/^[a-z_]+:/, ''))),
      )
      const first = Math.min(...hits.flatMap((a) => a.openedAt).filter((t) => t >= spike.start_ms))
      if (Number.isFinite(first)) {
        tp++
        latencies.push((first - spike.start_ms) / 60_000)
      }
    }
    for (const a of alarms) {
      if (spikes.some((s) => featureOf(s.subject) === featureOf(a.subject))) continue
      if (attacked.has(featureOf(a.subject)) || farmTenants.has(a.tenant_id)) cross++
      else {
        fp++
        falseAlarms += a.openedAt.length
      }
    }
  } else {
    const truth = [...installLabel.values()].filter((l) => l.scenario === target)
    positives = truth.length
    const named = new Map<string, number>()
    for (const a of alarms) for (const [m, at] of a.members) named.set(m, Math.min(at, named.get(m) ?? Infinity))
    for (const [m, at] of named) {
      const l = installLabel.get(m)
      if (l?.scenario === target) {
        tp++
        latencies.push(Math.max(0, (at - l.start_ms) / 60_000))
      } else if (l) cross++
      else fp++
    }
    for (const a of alarms) {
      const normal = [...a.members.keys()].every((m) => !installLabel.has(m))
      if (normal) falseAlarms += a.openedAt.length
    }
  }
  const ratio = (n: number, d: number) => (d > 0 ? n / d : null)
  return {
    detector,
    positives,
    truePositives: tp,
    crossDetections: cross,
    falsePositives: fp,
    falseAlarms,
    recall: ratio(tp, positives),
    precision: ratio(tp, tp + fp),
    strictPrecision: ratio(tp, tp + fp + cross),
    latencyMedianMin: median(latencies),
    latencyMaxMin: latencies.length ? Math.max(...latencies) : null,
    alerts: alarms.reduce((s, a) => s + a.openedAt.length, 0),
  }
}
