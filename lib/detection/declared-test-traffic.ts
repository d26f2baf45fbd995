import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { matchingSource, type InstallSourceTraits } from '../test-sources/match'
import { listTestSources } from '../test-sources/store'
import type { TestSource } from '../test-sources/types'
import { ALERT_SCORE } from './settings'
import { installSourceTraitsSql } from './sql/install-source-traits'
import type { Finding } from './types'

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
  const raised = findings.filter((f) => f.score >= ALERT_SCORE && f.detector !== 'cost_anomalies' && namedInstalls(f).length)
  if (!raised.length) return findings
  const sources = await listTestSources(store, now)
  if (!sources.length) return findings
  const byTenant = new Map<string, TestSource[]>()
  for (const s of sources) byTenant.set(s.tenant_id, [...(byTenant.get(s.tenant_id) ?? []), s])
  const held = new Map<Finding, TestSource>()
  for (const [tenant, declared] of byTenant) {
    const mine = raised.filter((f) => f.tenant_id === tenant)
    if (!mine.length) continue
    const traits = await readTraits(store, tenant, [...new Set(mine.flatMap(namedInstalls))])
    for (const f of mine) {
      const matches = namedInstalls(f).map((id) => traits.get(id) && matchingSource(declared, traits.get(id)!))
      if (matches.every(Boolean)) held.set(f, matches[0]!)
    }
  }
  return findings.map((f) => (held.has(f) ? hold(f, held.get(f)!) : f))
}

/** The installs a finding names: its members (a group or a farm), else its one install. */
export function namedInstalls(f: Finding): string[] {
  const e = f.evidence as { members?: string[]; install_id?: string }
  if (f.subject_kind === 'cluster') return e.members ?? []
  return f.subject_kind === 'install' && e.install_id ? [e.install_id] : []
}

function hold(f: Finding, s: TestSource): Finding {
  const what = s.kind === 'network' ? `network ${s.value}` : `${s.kind.replace('_', ' ')} ${s.value}`
  const reason = `declared test traffic (${what}: "${s.note}", by ${s.updated_by} until ${new Date(s.expires_at).toISOString().slice(0, 10)}): held under the alert line`
  const score = Math.min(f.score, ALERT_SCORE - 1)
  const evidence = { ...f.evidence, score, severity: null, reasons: [...f.evidence.reasons, reason] } as Finding['evidence']
  return { ...f, score, severity: 'info', evidence }
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
