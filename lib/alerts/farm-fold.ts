import type { Finding, PromptBombingRow, Severity } from '../detection/types'
import { nextVersion } from './store'
import type { Alert, AlertTransition } from './types'

/**
 * A farm member is not raised again as a bomber. Prompt-bombing findings about
 * installs that belong to a farm (this run's farm findings, or an unresolved
 * farm alert, of the same tenant) are folded into one prompt-bombing alert per
 * farm, whose evidence lists every member's bombing row. That alert shares the
 * farm's installs, so it lands in the farm's incident.
 */

/** One member's bombing evidence inside the farm's prompt-bombing alert: the row's scalars, its metric values flattened. */
export type MemberBombing = Pick<PromptBombingRow, 'install_id' | 'feature' | 'score' | 'severity' | 'reasons' | 'requests' | 'cost_micros'> & {
  tokens_per_minute: number
  context_tokens: number
}

export type FarmBombingEvidence = PromptBombingRow & { member_rows: MemberBombing[] }

/** Subject of the folded alert: the farm's subject, prefixed so it never meets the farm alert's own key space. */
export const farmBombingSubject = (farmSubject: string) => `farm:${farmSubject}`

const MAX_MEMBER_ROWS = 500
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

function farmMembers(findings: Finding[], active: Alert[]): Map<string, string> {
  const owner = new Map<string, string>() // tenant/install → farm subject
  const add = (tenant: string, subject: string, evidence: unknown) => {
    const members = (evidence as { members?: unknown } | null)?.members
    if (!Array.isArray(members)) return
    for (const m of members) if (typeof m === 'string' && !owner.has(`${tenant}/${m}`)) owner.set(`${tenant}/${m}`, subject)
  }
  for (const f of findings) if (f.detector === 'emulator_farms') add(f.tenant_id, f.subject, f.evidence)
  for (const a of active) if (a.detector === 'emulator_farms' && a.state !== 'resolved') add(a.tenant_id, a.subject, a.evidence)
  return owner
}

export function memberRow(r: PromptBombingRow): MemberBombing {
  return {
    install_id: r.install_id,
    feature: r.feature,
    score: r.score,
    severity: r.severity,
    reasons: r.reasons.slice(0, 3),
    requests: r.requests,
    tokens_per_minute: r.metrics?.tokens_per_minute?.value ?? 0,
    context_tokens: r.metrics?.context_tokens?.value ?? 0,
    cost_micros: r.cost_micros,
  }
}

/**
 * Returns the findings with farm members' install-level bombing findings
 * replaced by one finding per farm, and which installs were folded
 * (tenant/install → farm subject).
 */
export function foldFarmMembers(findings: Finding[], active: Alert[]): { findings: Finding[]; absorbed: Map<string, string> } {
  const owner = farmMembers(findings, active)
  const absorbed = new Map<string, string>()
  if (owner.size === 0) return { findings, absorbed }
  const byFarm = new Map<string, { tenant: string; rows: Finding[] }>()
  const out: Finding[] = []
  for (const f of findings) {
    const farm = f.detector === 'prompt_bombing' && f.subject_kind === 'install' ? owner.get(`${f.tenant_id}/${f.subject}`) : undefined
    if (!farm) {
      out.push(f)
      continue
    }
    absorbed.set(`${f.tenant_id}/${f.subject}`, farm)
    const k = `${f.tenant_id}\u0000${farm}`
    const g = byFarm.get(k) ?? { tenant: f.tenant_id, rows: [] }
    g.rows.push(f)
    byFarm.set(k, g)
  }
  for (const [k, g] of byFarm) {
    const farm = k.split('\u0000')[1]
    const rows = [...g.rows].sort((a, b) => b.score - a.score)
    const lead = rows[0]
    const severity = rows.reduce<Severity>((s, r) => (RANK[r.severity] > RANK[s] ? r.severity : s), 'info')
    const subject = farmBombingSubject(farm)
    const members = rows.map((r) => r.subject)
    const base = lead.evidence as PromptBombingRow
    const evidence: FarmBombingEvidence = {
      ...base,
      install_id: subject,
      members: members.slice(0, MAX_MEMBER_ROWS),
      cost_micros: rows.reduce((s, r) => s + ((r.evidence as PromptBombingRow).cost_micros ?? 0), 0),
      group: { kind: 'shared_trait', trait: 'farm', value: farm, installs: members.length, elevated: members.length },
      reasons: [`${members.length} member(s) of emulator farm ${farm} are prompt bombing`, ...(base.reasons ?? []).slice(0, 2)],
      member_rows: rows.slice(0, MAX_MEMBER_ROWS).map((r) => memberRow(r.evidence as PromptBombingRow)),
    }
    out.push({
      detector: 'prompt_bombing',
      subject_kind: 'cluster',
      subject,
      tenant_id: g.tenant,
      severity,
      score: lead.score,
      title: `Prompt bombing by ${members.length} member(s) of emulator farm ${farm} on ${g.tenant}`,
      evidence,
    })
  }
  return { findings: out, absorbed }
}

/**
 * Unresolved install-level bombing alerts of installs now folded into a farm
 * (the bombing was seen before the farm): closed as merged, without a
 * notification, since the farm's incident carries their evidence from now on.
 */
export function retireAbsorbed(active: Alert[], absorbed: ReadonlyMap<string, string>, now: number): { alerts: Alert[]; transitions: AlertTransition[] } {
  const alerts: Alert[] = []
  const transitions: AlertTransition[] = []
  for (const a of active) {
    if (a.detector !== 'prompt_bombing' || a.subject_kind !== 'install' || a.state === 'resolved') continue
    const farm = absorbed.get(`${a.tenant_id}/${a.subject}`)
    if (!farm) continue
    const next: Alert = {
      ...a,
      state: 'resolved',
      resolved_at: now,
      resolved_by: 'merged',
      snoozed_until: null,
      updated_at: now,
      version: nextVersion(a.version),
    }
    alerts.push(next)
    transitions.push({
      alert_id: a.id,
      at: now,
      from_state: a.state,
      to_state: 'resolved',
      actor: 'detector',
      action: 'merge',
      note: `folded into the prompt-bombing alert of farm ${farm}`.slice(0, 1000),
    })
  }
  return { alerts, transitions }
}
