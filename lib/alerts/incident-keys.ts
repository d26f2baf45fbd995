import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import type { Alert } from './types'

/**
 * Grouping keys of an alert: two alerts of one tenant that share a key belong
 * to one incident while it is unresolved (docs/detection.md, "Incidents").
 *   install:<tenant>/<install id>   an install subject, and every member of a cluster subject
 *   cluster:<tenant>/<cluster id>   a cluster subject (farm or bombing group)
 *   feature:<tenant>/<feature>      any alert whose evidence names a feature (bombing, cost per request/spend)
 *   tenant:<tenant>                 tenant-wide alerts (budget), which only meet other tenant-wide alerts
 *   network:<tenant>/<ip prefix>    every /24 a token reuse alert's install was seen on (its evidence's networks)
 * Keys hold raw ids: they are compared, never rendered.
 *
 * The network key: the token reuse alerts of one tenant that share a /24 are one source or one place. A thief's box
 * replaying the tokens it harvested from several installs (red team round 6: 6 tokens from one hosting /24) is one
 * attack to revoke at once; travellers sharing one train's or hotel's wifi while their phones roam home-routed
 * (the same round's border train: 34 installs changing country with every tunnel, no overlap, which per install reads
 * as a low-rate thief abroad) are one thing to look at and dismiss, not 34 pages. The "not known" prefix joins nothing.
 */
export function groupingKeys(a: Pick<Alert, 'subject_kind' | 'subject' | 'tenant_id' | 'evidence'>): string[] {
  const t = a.tenant_id
  const e = (a.evidence ?? {}) as { members?: unknown; feature?: unknown; networks?: unknown }
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
  for (const prefix of networkPrefixes(e.networks)) keys.add(`network:${t}/${prefix}`)
  if (keys.size === 0) keys.add(`${a.subject_kind}:${t}/${a.subject}`)
  return [...keys]
}

/** The known /24s of a token reuse alert's networks (`TokenReuseRow.networks[].ip_prefixes`); nothing for other evidence. */
function networkPrefixes(networks: unknown): string[] {
  if (!Array.isArray(networks)) return []
  const out: string[] = []
  for (const n of networks) {
    const prefixes = (n as { ip_prefixes?: unknown } | null)?.ip_prefixes
    if (Array.isArray(prefixes)) for (const p of prefixes) if (typeof p === 'string' && p !== '' && p !== UNKNOWN_INSTALL_CONTEXT.ip_prefix) out.push(p)
  }
  return out
}

export function sharesKey(keys: readonly string[], other: ReadonlySet<string>): boolean {
  for (const k of keys) if (other.has(k)) return true
  return false
}
