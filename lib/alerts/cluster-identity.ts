import type { Finding } from '../detection/types'
import type { Alert } from './types'

const membersOf = (evidence: unknown): string[] | null => {
  const m = (evidence as { members?: unknown } | null)?.members
  return Array.isArray(m) ? (m as string[]) : null
}

/**
 * A farm grows and its strongest shared trait can change between runs, which
 * changes its cluster id. A finding whose members overlap an existing alert's
 * members by at least `minOverlap` of the smaller set is the same farm: it
 * takes that alert's subject, so the alert is updated rather than duplicated.
 * Several findings landing on one alert are merged into the highest-scoring.
 */
export function stabilizeClusterSubjects(active: Alert[], findings: Finding[], minOverlap = 0.3): Finding[] {
  const candidates = active
    // A farm's folded bombing alert (farm-fold.ts) keeps the farm's own subject: nothing else may take it.
    .filter((a) => a.subject_kind === 'cluster' && !a.subject.startsWith('farm:'))
    .map((a) => ({ a, members: new Set(membersOf(a.evidence) ?? []) }))
    .filter((c) => c.members.size > 0)
  const out = new Map<string, Finding>()
  for (const f of findings) {
    let subject = f.subject
    const members = f.subject_kind === 'cluster' ? membersOf(f.evidence) : null
    if (members && members.length) {
      let best: { subject: string; overlap: number } | null = null
      for (const c of candidates) {
        if (c.a.detector !== f.detector || c.a.tenant_id !== f.tenant_id) continue
        let shared = 0
        for (const m of members) if (c.members.has(m)) shared++
        const overlap = shared / Math.min(members.length, c.members.size)
        if (overlap >= minOverlap && (!best || overlap > best.overlap)) best = { subject: c.a.subject, overlap }
      }
      if (best) subject = best.subject
    }
    const k = `${f.detector}\u0000${subject}`
    const prev = out.get(k)
    if (!prev || f.score > prev.score) out.set(k, { ...f, subject })
  }
  return [...out.values()]
}
