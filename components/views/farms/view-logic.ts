import { count } from '@/lib/format'

// Pure rules of the farms page (what to show, and how honestly to label it), kept apart for unit tests.

/**
 * Which cluster the farms page shows. A link from an alert names its cluster
 * (?cluster=X) and offers a bulk revoke of what is shown, so a named cluster
 * that is not among the loaded rows must never fall back to another one: the
 * operator would act on the wrong farm. Only with no cluster named does the
 * page open the top-ranked one.
 */
export type ClusterSelection<C> =
  | { kind: 'selected'; cluster: C }
  /** No cluster named: the top-ranked one is shown. */
  | { kind: 'default'; cluster: C }
  /** A cluster was named but is not among the loaded rows. */
  | { kind: 'missing'; requested: string }
  /** Still loading, or (none named) the window has no clusters. */
  | { kind: 'none' }

export function selectCluster<C extends { cluster_id: string }>(
  rows: readonly C[],
  requested: string | null | undefined,
  loading = false,
): ClusterSelection<C> {
  if (requested) {
    const hit = rows.find((c) => c.cluster_id === requested)
    if (hit) return { kind: 'selected', cluster: hit }
    // Rows of a previous range may still be on screen while the new ones load: not yet "missing".
    return loading ? { kind: 'none' } : { kind: 'missing', requested }
  }
  return rows.length > 0 ? { kind: 'default', cluster: rows[0] } : { kind: 'none' }
}

/**
 * Why a named cluster is absent: the ranking loaded only its top rows (the
 * cluster may rank lower), or the whole window has no such cluster (it formed
 * earlier or its members went quiet). Either way a longer range can help.
 */
export function missingClusterMessage(requested: string, loaded: number, total: number): string {
  return total > loaded
    ? `Cluster ${requested} is not among the top ${loaded} of ${total} clusters in this window. It may rank lower or have left the window (try a longer range).`
    : `Cluster ${requested} is not in this window (try a longer range).`
}

/**
 * The summary tiles add up the loaded rows only (the API has no totals of
 * installs or spend over the whole ranking). When the ranking has more rows
 * than were loaded, the tiles must say so: null = the sums cover every cluster.
 */
export function partialSumNote(loaded: number, total: number): { label: string; hint: string } | null {
  if (total <= loaded) return null
  return { label: `top ${loaded} clusters`, hint: `sum over the ${loaded} highest-scoring of ${count(total)} clusters` }
}

/**
 * A cluster carries at most 500 member ids: the first 500 by install id
 * (lib/detection/emulator-farms.ts sorts the ids and slices), an arbitrary
 * subset, not the riskiest. Whatever is built on `members` says so.
 */
export function memberCap(cluster: { members: readonly string[]; size: number }) {
  const n = cluster.members.length
  const capped = n < cluster.size
  return { n, capped, of: capped ? `the first ${count(n)} of ${count(cluster.size)} members (by install id)` : `all ${count(n)} members` }
}
