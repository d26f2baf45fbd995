import type { Alert } from './types'

/**
 * Grouping keys of an alert: two alerts of one tenant that share a key belong
 * to one incident while it is unresolved (docs/detection.md, "Incidents").
 *   install:<tenant>/<install id>   an install subject, and every member of a cluster subject
 *   cluster:<tenant>/<cluster id>   a cluster subject (farm or bombing group)
 *   feature:<tenant>/<feature>      any alert whose evidence names a feature (bombing, cost per request/spend)
 *   tenant:<tenant>                 tenant-wide alerts (budget), which only meet other tenant-wide alerts
 * Keys hold raw ids: they are compared, never rendered.
 */
export function groupingKeys(a: Pick<Alert, 'subject_kind' | 'subject' | 'tenant_id' | 'evidence'>): string[] {
  const t = a.tenant_id
  const e = (a.evidence ?? {}) as { members?: unknown; feature?: unknown }
  const keys = new Set<string>()
  switch (a.subject_kind) {
    case 'install':
      keys.add(`install:${t}/${a.subject}`)
      break
    case 'cluster':
      keys.add(`cluster:${t}/${a.subject}`)
      if (Array.isArray(e.members)) for (const m of e.members) if (typeof m === 'string') keys.add(`install:${t}/${m}`)
      break
    case 'tenant':
      keys.add(`tenant:${t}`)
      return [...keys]
    case 'feature':
      break
  }
  if (typeof e.feature === 'string' && e.feature !== '') keys.add(`feature:${t}/${e.feature}`)
  if (keys.size === 0) keys.add(`${a.subject_kind}:${t}/${a.subject}`)
  return [...keys]
}

export function sharesKey(keys: readonly string[], other: ReadonlySet<string>): boolean {
  for (const k of keys) if (other.has(k)) return true
  return false
}
