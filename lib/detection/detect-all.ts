import type { Store } from '../clickhouse/client'
import { detectCostAnomalies } from './cost-anomalies'
import { holdDeclaredTestTraffic } from './declared-test-traffic'
import { detectEmulatorFarms } from './emulator-farms'
import { timePhase } from './phase-cost'
import { detectPromptBombing } from './prompt-bombing'
import { RunProfiles } from './run-profiles'
import { FINDING_MIN_SCORE, type DetectionSettings } from './settings'
import { detectStreamAbuse } from './stream-abuse'
import { detectTokenReuse } from './token-reuse-detect'
import type { CostAnomalyRow, DetectorName, FarmCluster, Finding, PromptBombingRow, RankingRows, Severity, StreamAbuseRow, TokenReuseRow } from './types'

export interface DetectionRun {
  now: number
  findings: Finding[]
  /** Detectors that failed this run; their open alerts are left untouched rather than resolved. */
  failed: { detector: DetectorName; error: string }[]
  /** Steps after the detectors that failed open (their findings are kept as found). */
  warnings?: string[]
  durationMs: Record<DetectorName, number>
}

/** Highest-scoring row per subject (an install may be scored once per feature). */
function bestPerSubject(findings: Finding[]): Finding[] {
  const best = new Map<string, Finding>()
  for (const f of findings) {
    const cur = best.get(f.subject)
    if (!cur || f.score > cur.score) best.set(f.subject, f)
  }
  return [...best.values()]
}

const usd = (micros: number) => `$${(micros / 1e6).toFixed(2)}`

type Scored<D extends DetectorName> = RankingRows[D] & { score: number; tenant_id: string; severity: Severity | null }

/** A detector's rows at or over FINDING_MIN_SCORE as findings; `about` says what each row is about and how to title it. */
function findingsOf<D extends DetectorName>(
  detector: D,
  rows: Scored<D>[],
  about: (r: Scored<D>) => Pick<Finding, 'subject_kind' | 'subject' | 'title'>,
): Finding[] {
  return rows
    .filter((r) => r.score >= FINDING_MIN_SCORE)
    .map((r) => ({ detector, tenant_id: r.tenant_id, severity: r.severity ?? 'info', score: r.score, evidence: r, ...about(r) }))
}

export function promptBombingFindings(rows: PromptBombingRow[], groups: PromptBombingRow[] = []): Finding[] {
  return [
    ...bestPerSubject(
      findingsOf('prompt_bombing', rows, (r) => ({
        subject_kind: 'install',
        subject: r.install_id,
        title: `Prompt bombing: install ${r.install_id} on ${r.tenant_id}/${r.feature} (${usd(r.cost_micros)} in window)`,
      })),
    ),
    ...findingsOf('prompt_bombing', groups, (g) => ({
      subject_kind: 'cluster',
      subject: g.install_id,
      title: `Prompt bombing: ${g.members?.length ?? 0} installs on ${g.tenant_id}/${g.feature} (${g.group?.kind === 'feature_excess' ? 'coordinated excess' : `shared ${g.group?.trait}`})`,
    })),
  ]
}

export function farmFindings(rows: FarmCluster[]): Finding[] {
  return findingsOf('emulator_farms', rows, (r) => ({
    subject_kind: 'cluster',
    subject: r.cluster_id,
    title: `Emulator farm: ${r.size} installs on ${r.tenant_id} (${r.shared_traits[0]?.trait ?? 'shared traits'})`,
  }))
}

/** Version rows keep the label-style subject tenant/feature/version; other kinds are prefixed so they never collide. */
export function costSubject(r: CostAnomalyRow): string {
  return r.kind === 'cost_per_request' ? r.subject : `${r.kind}:${r.subject}`
}

export function costFindings(rows: CostAnomalyRow[]): Finding[] {
  return bestPerSubject(
    findingsOf('cost_anomalies', rows, (r) => ({
      subject_kind: r.subject_kind,
      subject: costSubject(r),
      title:
        r.kind === 'budget'
          ? `Budget: ${r.tenant_id} forecast ${usd(r.budget?.forecast_micros ?? 0)} of ${usd(r.budget?.budget_micros ?? 0)}`
          : r.release_volume?.decided
            ? `Cost anomaly: requests per install of ${r.subject} at ${r.release_volume.ratio.toFixed(1)}x their own before the release`
            : r.sustained?.decided
              ? `Cost anomaly: cost per request of ${r.subject} at ${r.sustained.ratio.toFixed(2)}x baseline, held over ${r.sustained.minutes} min`
              : `Cost anomaly: ${r.kind.replace(/_/g, ' ')} of ${r.subject} at ${r.ratio.toFixed(1)}x baseline`,
    })),
  )
}

export function streamFindings(rows: StreamAbuseRow[]): Finding[] {
  return bestPerSubject(
    findingsOf('stream_abuse', rows, (r) =>
      r.members
        ? {
            subject_kind: 'cluster',
            subject: r.install_id,
            title: `Stream abuse: ${r.members.length} installs on ${r.tenant_id} each holding a zombie stream (${r.zombie_streams} in all)`,
          }
        : {
            subject_kind: 'install',
            subject: r.install_id,
            title: `Stream abuse: install ${r.install_id} on ${r.tenant_id} (${r.zombie_streams} zombie, ${r.max_concurrent} concurrent)`,
          },
    ),
  )
}

export function tokenReuseFindings(rows: TokenReuseRow[]): Finding[] {
  return findingsOf('token_reuse', rows, (r) => ({
    subject_kind: 'install',
    subject: r.install_id,
    title: `Token reuse: install ${r.install_id} on ${r.tenant_id} used from ${r.networks.length} networks at once`,
  }))
}

/**
 * Runs every detector for the instant `now`. Detectors are independent: one
 * failing (a slow query, a bad row) does not stop the others, and is
 * reported so its alerts are neither refreshed nor auto-resolved.
 */
export async function runDetectors(store: Store, s: DetectionSettings, now: number, only?: readonly DetectorName[]): Promise<DetectionRun> {
  // install_profile of the farm window, read once for the farms and prompt bombing's traits when both run.
  const both = !only || (only.includes('prompt_bombing') && only.includes('emulator_farms'))
  const profiles = both ? new RunProfiles(store, s, now) : undefined
  const jobs: Record<DetectorName, () => Promise<Finding[]>> = {
    prompt_bombing: async () => {
      const r = await detectPromptBombing(store, s, now, { limit: 0, profiles })
      return promptBombingFindings(r.rows, r.groups)
    },
    emulator_farms: async () => farmFindings(await detectEmulatorFarms(store, s, now, { limit: 0, profiles })),
    cost_anomalies: async () => costFindings(await detectCostAnomalies(store, s, now, { limit: 0 })),
    stream_abuse: async () => streamFindings(await detectStreamAbuse(store, s, now, { limit: 0, kept: true })),
    token_reuse: async () => tokenReuseFindings(await detectTokenReuse(store, s, now, { limit: 0 })),
  }
  const run: DetectionRun = {
    now,
    findings: [],
    failed: [],
    durationMs: { prompt_bombing: 0, emulator_farms: 0, cost_anomalies: 0, stream_abuse: 0, token_reuse: 0 },
  }
  // Sequential on purpose: the embedded engine shares the app's CPU, and detection is not latency-critical.
  for (const name of Object.keys(jobs) as DetectorName[]) {
    if (only && !only.includes(name)) continue
    const started = performance.now()
    try {
      run.findings.push(...(await timePhase(name, jobs[name])))
    } catch (err) {
      run.failed.push({ detector: name, error: err instanceof Error ? err.message : String(err) })
    }
    run.durationMs[name] = Math.round(performance.now() - started)
  }
  try {
    run.findings = await holdDeclaredTestTraffic(store, run.findings, now)
  } catch (err) {
    // Failing open: a store that cannot read the declarations must not silence real attacks.
    run.warnings = [`declared test traffic not applied: ${err instanceof Error ? err.message : String(err)}`]
  }
  return run
}
