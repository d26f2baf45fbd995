import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { matchingSource, type InstallSourceTraits } from '../test-sources/match'
import { listTestSources } from '../test-sources/store'
import type { TestSource } from '../test-sources/types'
import { ALERT_SCORE } from './settings'
import { installSourceTraitsSql } from './sql/install-source-traits'
import type { Finding, Severity } from './types'

/**
 * Test traffic a tenant declared (Settings → Test traffic: a QA lab's
 * network, a staging bundle id or build, a test phone) is held under the
 * alert line: a load test from the office is, by its data, a farm (one /24,
 * a timer, every install new, one build), and only the tenant knows it is
 * theirs. The finding stays, with the declaration named in its reasons; it
 * opens no alert and pages no one.
 *
 * Only a finding whose every named install matches a declaration is held:
 * an attack that includes one install off the declared network still
 * alerts. Cost anomalies are never held (test traffic spends real money).
 * Blind spot, by design: an attacker inside a declared network or on a
 * declared build is held too; declarations expire (at most 30 days), are
 * admin-only and audited, and networks wider than /16 are refused.
 */
export async function holdDeclaredTestTraffic(store: Store, findings: Finding[], now: number): Promise<Finding[]> {
  const held = await heldBy(store, findings, now, (f) => (f.detector === 'cost_anomalies' ? [] : namedInstalls(f)))
  if (!held.size) return findings
  return findings.map((f) => {
    const s = held.get(f)
    if (!s) return f
    const evidence = holdRow(f.evidence, s) as Finding['evidence']
    return { ...f, score: evidence.score, severity: 'info', evidence }
  })
}

/** A detector's ranking rows as the alerts see them: rows held by a declaration say so, unflagged (rankings.ts). */
export async function holdDeclaredRows<R extends DetectorRow>(store: Store, rows: R[], now: number): Promise<R[]> {
  const held = await heldBy(store, rows, now, rowInstalls)
  return held.size ? rows.map((r) => (held.has(r) ? holdRow(r, held.get(r)!) : r)) : rows
}

/** What a ranking row or a finding's evidence carries that a hold reads and changes. */
interface DetectorRow {
  tenant_id: string
  score: number
  severity: Severity | null
  reasons: string[]
  install_id?: string
  members?: string[]
}

/** The installs a finding names: its members (a group or a farm), else its one install. */
export function namedInstalls(f: Finding): string[] {
  if (f.subject_kind !== 'cluster' && f.subject_kind !== 'install') return []
  return rowInstalls(f.evidence as DetectorRow)
}

const rowInstalls = (r: DetectorRow) => (r.members?.length ? r.members : r.install_id ? [r.install_id] : [])

/** Of the items at or above the alert line, those whose every named install matches a declaration of their tenant. */
async function heldBy<T extends { tenant_id: string; score: number }>(
  store: Store,
  items: T[],
  now: number,
  installsOf: (t: T) => string[],
): Promise<Map<T, TestSource>> {
  const held = new Map<T, TestSource>()
  const raised = items.filter((t) => t.score >= ALERT_SCORE && installsOf(t).length)
  if (!raised.length) return held
  const sources = await listTestSources(store, now)
  if (!sources.length) return held
  const byTenant = new Map<string, TestSource[]>()
  for (const s of sources) byTenant.set(s.tenant_id, [...(byTenant.get(s.tenant_id) ?? []), s])
  for (const [tenant, declared] of byTenant) {
    const mine = raised.filter((t) => t.tenant_id === tenant)
    if (!mine.length) continue
    const traits = await readTraits(store, tenant, [...new Set(mine.flatMap(installsOf))])
    for (const t of mine) {
      const matches = installsOf(t).map((id) => traits.get(id) && matchingSource(declared, traits.get(id)!))
      if (matches.every(Boolean)) held.set(t, matches[0]!)
    }
  }
  return held
}

function holdRow<R extends DetectorRow>(r: R, s: TestSource): R {
  const what = s.kind === 'network' ? `network ${s.value}` : `${s.kind.replace('_', ' ')} ${s.value}`
  const reason = `declared test traffic (${what}: "${s.note}", by ${s.updated_by} until ${new Date(s.expires_at).toISOString().slice(0, 10)}): held under the alert line`
  return { ...r, score: Math.min(r.score, ALERT_SCORE - 1), severity: null, reasons: [...r.reasons, reason] }
}
async function readTraits(store: Store, tenant: string, installs: string[]): Promise<Map<string, InstallSourceTraits>> {
  const out = new Map<string, InstallSourceTraits>()
  for (let i = 0; i < installs.length; i += 2_000) {
    const rows = await selectRows<InstallSourceTraits & { install_id: string }>(store, installSourceTraitsSql(store.database), {
      tenant,
      installs: installs.slice(i, i + 2_000),
    })
    for (const r of rows) out.set(r.install_id, r)
  }
  return out
}
