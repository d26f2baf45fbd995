import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { BombingGroup } from './bombing-groups'
import { VERSION_SHIFT_RATIO, type ContextBaseline } from './bombing-sequential'
import { num, toSec } from './query'
import { featureRecentContextSql } from './sql/feature-recent-context'

/**
 * A feature whose typical request moved (a long-document feature launched
 * server-side, a prompt change, a release every user took): every user's
 * requests grow at once, and for the first minutes, before most installs have
 * sent enough requests, the bombing group tests see a growing subset of
 * installs changing together, which is what a spread attack looks like. What
 * tells them apart is the rest of the feature: an attack on a subset leaves
 * the other installs' requests where they were, a launch moves them too. So
 * a feature-level bombing group is not raised (its score is capped under the
 * alert line, with the reason) when the median request of the installs
 * outside the group, over the last LAUNCH_GUARD_MINUTES, is
 * VERSION_SHIFT_RATIO (1.5x) the feature's baseline or more (at least
 * LAUNCH_MIN_REQUESTS of them): that change is the cost detector's subject.
 *
 * Blind spot: attackers the group has not named yet count as the rest of
 * the feature; if they send over half of its other requests, the group waits.
 */
export const LAUNCH_GUARD_MINUTES = 3
/** Fewer requests from the rest of the feature than this say nothing about it: the group is raised. */
export const LAUNCH_MIN_REQUESTS = 10

export async function guardFeatureLaunches(
  store: Store,
  groups: BombingGroup[],
  baselines: Map<string, ContextBaseline>,
  now: number,
  tenant: string,
): Promise<BombingGroup[]> {
  const keys = new Set(groups.filter((g) => g.kind === 'feature_excess' && g.score >= 25).map((g) => `${g.tenant_id}\u0000${g.feature}`))
  if (!keys.size) return groups
  // The rest of the feature: the groups' own members are left out, so an attack that sends most of a quiet
  // feature's requests does not move the median it is judged by.
  const exclude = [...new Set(groups.filter((g) => keys.has(`${g.tenant_id}\u0000${g.feature}`)).flatMap((g) => g.members.map((m) => m.install_id)))]
  const rows = await selectRows<Record<string, unknown>>(store, featureRecentContextSql(store.database), {
    from: toSec(now - LAUNCH_GUARD_MINUTES * 60_000),
    to: toSec(now) + 1,
    tenant,
    exclude,
  })
  const moved = new Map<string, number>()
  for (const r of rows) {
    const key = `${r.tenant_id}\u0000${r.feature}`
    const b = baselines.get(key)
    const median = num(r.median)
    if (b && keys.has(key) && num(r.requests) >= LAUNCH_MIN_REQUESTS && median >= VERSION_SHIFT_RATIO * b.median) moved.set(key, median / b.median)
  }
  return groups.map((g) => {
    const ratio = g.kind === 'feature_excess' ? moved.get(`${g.tenant_id}\u0000${g.feature}`) : undefined
    if (ratio === undefined) return g
    return {
      ...g,
      score: Math.min(49, g.score),
      reasons: [
        ...g.reasons,
        `the median request of the feature's other installs moved ${ratio.toFixed(1)}x over the last ${LAUNCH_GUARD_MINUTES} minutes: every user changed (a launch or release?), see cost anomalies; not raised as bombing`,
      ],
    }
  })
}
