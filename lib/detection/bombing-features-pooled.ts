import { cusumZ, type SequentialEvidence } from './bombing-sequential'
import { severityFor } from './settings'
import { zToScore } from './stats'

/**
 * One install bombing several features at once (red team round 9, `all features`: a script sending every chat,
 * search and summarize call at 2–2.5x, 1–1.5 a minute each). The cumulative test (bombing-sequential.ts) keeps one
 * CUSUM per install and feature; spread over three features, each holds a third of the evidence and crosses the
 * line minutes after the whole would (one of the four was never named in 25 minutes).
 *
 * The features' CUSUMs of one install are pooled when at least POOL_MIN_FEATURES of them each hold evidence of
 * their own (S ≥ POOL_MIN_CUSUM, z ≥ 2: an honest user's CUSUM sits at 0 most of the time, its requests under √3x
 * the median subtracting): S = Σ S_f − ln k, for the k features pooled (the install is looked at k ways), and
 * z = √(2S) as for one feature. Each feature's CUSUM is judged against its own baseline, so the sum is of like
 * evidence. What it spares: a heavy user of one feature (one CUSUM), and a person whose requests grow on every
 * feature together because the app re-sends more context in a release (the release check drops those installs'
 * CUSUMs before this, bombing-sequential.ts).
 */
export const POOL_MIN_FEATURES = 2
export const POOL_MIN_CUSUM = 2

export interface PooledInstall {
  /** The feature with the most evidence: the finding's row. */
  lead: SequentialEvidence
  features: SequentialEvidence[]
  cusum: number
}

/** Installs (tenant\0install) whose features' evidence pooled is more than their strongest feature's; pure. */
export function pooledAcrossFeatures(evidence: readonly SequentialEvidence[]): Map<string, PooledInstall> {
  const byInstall = new Map<string, SequentialEvidence[]>()
  for (const e of evidence) {
    if (e.cusum < POOL_MIN_CUSUM) continue
    const key = `${e.tenant_id}\u0000${e.install_id}`
    const list = byInstall.get(key)
    if (list) list.push(e)
    else byInstall.set(key, [e])
  }
  const out = new Map<string, PooledInstall>()
  for (const [key, features] of byInstall) {
    if (features.length < POOL_MIN_FEATURES) continue
    const lead = features.reduce((a, b) => (b.cusum > a.cusum ? b : a))
    const cusum = features.reduce((a, e) => a + e.cusum, 0) - Math.log(features.length)
    if (cusum > lead.cusum) out.set(key, { lead, features, cusum })
  }
  return out
}

/** The window rows a pooled install's finding needs (its lead feature's), as keys tenant\0feature\0install; pure. */
export function pooledLeadKeys(pooled: Map<string, PooledInstall>, zAlert: number, minScore: number): string[] {
  return [...pooled.values()]
    .filter((p) => zToScore(cusumZ(p.cusum), zAlert) >= minScore)
    .map((p) => `${p.lead.tenant_id}\u0000${p.lead.feature}\u0000${p.lead.install_id}`)
}

/** Raises each pooled install's lead row to the pooled evidence, with the reason; pure but for the rows. */
export function applyPooled(
  rows: { tenant_id: string; feature: string; install_id: string; score: number; severity: string | null; reasons: string[] }[],
  pooled: Map<string, PooledInstall>,
  zAlert: number,
): void {
  const byKey = new Map(rows.map((r) => [`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, r]))
  for (const p of pooled.values()) {
    const r = byKey.get(`${p.lead.tenant_id}\u0000${p.lead.feature}\u0000${p.lead.install_id}`)
    const z = cusumZ(p.cusum)
    const score = zToScore(z, zAlert)
    if (!r || score <= r.score) continue
    r.score = score
    r.severity = severityFor(score)
    const each = p.features
      .toSorted((a, b) => b.cusum - a.cusum)
      .map((e) => `${e.feature} ${(e.mean_context / Math.max(1, e.baseline_median)).toFixed(1)}x (z ${cusumZ(e.cusum).toFixed(1)})`)
      .join(', ')
    r.reasons.unshift(`sustained on ${p.features.length} features at once: ${each}; their cumulative evidence pooled z ${z.toFixed(1)}`)
  }
}
