import { appendTo } from './collect'
import type { ScoredGroup } from './farm-clusters'

/** Merges groups that share members (union-find over install ids) into clusters. */
export function mergeGroups(groups: ScoredGroup[]): ScoredGroup[][] {
  const parent = groups.map((_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])))
  const owner = new Map<string, number>()
  groups.forEach((g, gi) => {
    for (const m of g.members) {
      const key = `${m.tenant_id}\u0000${m.install_id}`
      const other = owner.get(key)
      if (other === undefined) owner.set(key, gi)
      else parent[find(gi)] = find(other)
    }
  })
  const clusters = new Map<number, ScoredGroup[]>()
  groups.forEach((g, gi) => appendTo(clusters, find(gi), g))
  return [...clusters.values()]
}
