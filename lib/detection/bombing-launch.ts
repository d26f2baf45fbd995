import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { BombingGroup } from './bombing-groups'
import { VERSION_SHIFT_RATIO, type ContextBaseline } from './bombing-sequential'
import { num, toSec } from './query'
import { contextBaselineSql } from './sql/context-baseline'

/**
 * A feature whose typical request moved (a long-document feature launched
 * server-side, a prompt change, a release every user took): every user's
 * requests grow at once, and for the first minutes, before most installs have
 * sent enough requests, the bombing group tests see a growing subset of
 * installs changing together, which is what a spread attack looks like. What
 * tells them apart is the rest of the feature: an attack on a subset leaves
 * the feature's median request where it was, a launch moves it. So a
 * feature-level bombing group is not raised (its score is capped under the
 * alert line, with the reason) when the feature's median request over the
 * last LAUNCH_GUARD_MINUTES is VERSION_SHIFT_RATIO (1.5x) its baseline or
 * more: that change is the cost detector's subject.
 *
 * Blind spot: a spread attack sending more than half of the feature's
 * requests moves the median too, and is left to the cost detector.
 */
export const LAUNCH_GUARD_MINUTES = 3

export async function guardFeatureLaunches(
  store: Store,
  groups: BombingGroup[],
  baselines: Map<string, ContextBaseline>,
  now: number,
  tenant: string,
): Promise<BombingGroup[]> {
  const keys = new Set(groups.filter((g) => g.kind === 'feature_excess' && g.score >= 25).map((g) => `${g.tenant_id}\u0000${g.feature}`))
  if (!keys.size) return groups
  const rows = await selectRows<Record<string, unknown>>(store, contextBaselineSql(store.database), {
    from: toSec(now - LAUNCH_GUARD_MINUTES * 60_000),
    to: toSec(now) + 1,
    tenant,
  })
  const moved = new Map<string, number>()
  for (const r of rows) {
    const key = `${r.tenant_id}\u0000${r.feature}`
    const b = baselines.get(key)
    const median = num((r.q as unknown[])[0])
    if (b && keys.has(key) && median >= VERSION_SHIFT_RATIO * b.median) moved.set(key, median / b.median)
  }
  return groups.map((g) => {
    const ratio = g.kind === 'feature_excess' ? moved.get(`${g.tenant_id}\u0000${g.feature}`) : undefined
    if (ratio === undefined) return g
    return {
      ...g,
      score: Math.min(49, g.score),
      reasons: [
        ...g.reasons,
        `the whole feature's median request moved ${ratio.toFixed(1)}x over the last ${LAUNCH_GUARD_MINUTES} minutes: every user changed (a launch or release?), see cost anomalies; not raised as bombing`,
      ],
    }
  })
}
