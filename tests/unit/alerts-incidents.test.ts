import { describe, expect, it } from 'vitest'
import { foldFarmMembers, retireAbsorbed } from '../../lib/alerts/farm-fold'
import { applyIncidentAction } from '../../lib/alerts/incident-actions'
import { groupingKeys } from '../../lib/alerts/incident-keys'
import type { Incident } from '../../lib/alerts/incident-types'
import { assignIncidents } from '../../lib/alerts/incidents'
import { DEFAULT_ALERT_POLICY as P, reconcile, TransitionError } from '../../lib/alerts/lifecycle'
import type { Alert } from '../../lib/alerts/types'
import type { Finding } from '../../lib/detection/types'

const MIN = 60_000
const bomb = (install: string, tenant = 't1', feature = 'chat', score = 70): Finding => ({
  detector: 'prompt_bombing',
  subject_kind: 'install',
  subject: install,
  tenant_id: tenant,
  severity: score >= 90 ? 'critical' : 'warning',
  score,
  title: `bomber ${install}`,
  evidence: { install_id: install, tenant_id: tenant, feature, score, reasons: ['context high'], requests: 10, cost_micros: 1000, metrics: {} } as never,
})
const farm = (id: string, members: string[], tenant = 't1', score = 80): Finding => ({
  detector: 'emulator_farms',
  subject_kind: 'cluster',
  subject: id,
  tenant_id: tenant,
  severity: 'warning',
  score,
  title: `farm ${id}`,
  evidence: { cluster_id: id, members, size: members.length, reasons: ['shared build'] } as never,
})
const streams = (install: string, tenant = 't1'): Finding => ({
  detector: 'stream_abuse',
  subject_kind: 'install',
  subject: install,
  tenant_id: tenant,
  severity: 'critical',
  score: 95,
  title: `streams ${install}`,
  evidence: { install_id: install, reasons: [] } as never,
})
const cost = (tenant: string, feature: string): Finding => ({
  detector: 'cost_anomalies',
  subject_kind: 'feature',
  subject: `${tenant}/${feature}/1.0`,
  tenant_id: tenant,
  severity: 'warning',
  score: 60,
  title: 'cost',
  evidence: { feature, reasons: [] } as never,
})

/** A token reuse finding for an install seen on `prefixes` (one network each). */
const reuse = (install: string, prefixes: string[], tenant = 't1'): Finding => ({
  detector: 'token_reuse',
  subject_kind: 'install',
  subject: install,
  tenant_id: tenant,
  severity: 'warning',
  score: 60,
  title: `reuse ${install}`,
  evidence: { install_id: install, reasons: [], networks: prefixes.map((p, k) => ({ asn: 100 + k, country: 'GB', ip_prefixes: [p], events: 3 })) } as never,
})

/** What applyDetectionRun does, in memory: fold, reconcile, group. */
function engine() {
  const alerts = new Map<string, Alert>()
  const incidents = new Map<string, Incident>()
  const events: string[] = []
  return {
    alerts,
    incidents,
    events,
    run(minute: number, findings: Finding[]) {
      const now = minute * MIN
      const loaded = [...alerts.values()].filter((a) => a.state !== 'resolved' || (a.resolved_at ?? 0) >= now - P.resolveAfterMs)
      const folded = foldFarmMembers(findings, loaded)
      const retired = retireAbsorbed(loaded, folded.absorbed, now)
      for (const a of retired.alerts) alerts.set(a.id, a)
      const active = loaded.map((a) => alerts.get(a.id)!)
      const r = reconcile(active, folded.findings, now, P)
      for (const a of r.upserts) alerts.set(a.id, a)
      const changed = new Set([...retired.alerts, ...r.upserts].map((a) => a.id))
      const recent = [...incidents.values()].filter((i) => i.state !== 'resolved' || (i.resolved_at ?? 0) >= now - 2 * P.resolveAfterMs)
      const g = assignIncidents(recent, [...alerts.values()], changed, now)
      for (const a of g.alerts) alerts.set(a.id, a)
      for (const i of g.incidents) incidents.set(i.id, i)
      for (const n of g.notifications) events.push(`${minute}:${n.event}:${n.incident.id.slice(0, 4)}`)
      return g
    },
    open: () => [...incidents.values()].filter((i) => !i.merged_into),
  }
}

describe('grouping keys', () => {
  it('name installs, cluster members, tenant/feature, and keep tenants apart', () => {
    const a = reconcile([], [farm('c1', ['i1', 'i2'])], 0, P).upserts[0]
    expect(groupingKeys(a).sort()).toEqual(['cluster:t1/c1', 'install:t1/i1', 'install:t1/i2'])
    const b = reconcile([], [bomb('i1', 't2')], 0, P).upserts[0]
    expect(groupingKeys(b).sort()).toEqual(['feature:t2/chat', 'install:t2/i1'])
    const budget = { subject_kind: 'tenant' as const, subject: 'budget:t1', tenant_id: 't1', evidence: { feature: '' } as never }
    expect(groupingKeys(budget)).toEqual(['tenant:t1'])
  })
})

describe('incidents', () => {
  it('token reuse alerts that share a /24 (one thief box, or one train wifi) are one incident; the unknown prefix joins none', () => {
    const e = engine()
    const box = '203.0.113.0/24'
    e.run(0, [
      reuse('o1', ['81.2.3.0/24', box]),
      reuse('o2', ['82.9.1.0/24', box]),
      reuse('o3', ['83.4.4.0/24', box]),
      reuse('o4', ['84.1.1.0/24', '0.0.0.0/24']),
    ])
    e.run(1, [reuse('o5', ['85.5.5.0/24', '0.0.0.0/24']), reuse('x1', ['86.1.1.0/24', box], 't2')])
    const open = e.open()
    expect(open.map((i) => i.alert_ids.length).sort()).toEqual([1, 1, 1, 3])
    expect(groupingKeys(reconcile([], [reuse('o4', ['84.1.1.0/24', '0.0.0.0/24'])], 0, P).upserts[0]).sort()).toEqual([
      'install:t1/o4',
      'network:t1/84.1.1.0/24',
    ])
  })

  it('a farm whose members also bomb is one incident with one bombing alert holding every member', () => {
    const e = engine()
    const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']
    const g = e.run(0, [farm('c1', members), ...members.map((m) => bomb(m))])
    expect(e.open()).toHaveLength(1)
    expect([...e.alerts.values()].map((a) => `${a.detector}/${a.subject_kind}`).sort()).toEqual(['emulator_farms/cluster', 'prompt_bombing/cluster'])
    const folded = [...e.alerts.values()].find((a) => a.detector === 'prompt_bombing')!
    expect((folded.evidence as unknown as { member_rows: { install_id: string }[] }).member_rows.map((r) => r.install_id).sort()).toEqual(members)
    expect(g.notifications.map((n) => n.event)).toEqual(['opened'])
    expect(e.open()[0].alert_ids).toHaveLength(2)
  })

  it('bombing seen before the farm is folded into it and the install alerts are not left standing', () => {
    const e = engine()
    e.run(0, [bomb('m1'), bomb('m2')])
    expect(e.open()).toHaveLength(1) // same tenant/feature
    e.run(1, [farm('c1', ['m1', 'm2', 'm3']), bomb('m1'), bomb('m2')])
    const live = [...e.alerts.values()].filter((a) => a.state !== 'resolved')
    expect(live.map((a) => a.subject_kind).sort()).toEqual(['cluster', 'cluster'])
    expect(e.open().filter((i) => i.state !== 'resolved')).toHaveLength(1)
  })

  it('alerts of different detectors sharing an install or a tenant/feature join; other tenants do not', () => {
    const e = engine()
    e.run(0, [bomb('i1', 't1'), bomb('x1', 't2', 'chat')])
    e.run(1, [bomb('i1', 't1'), bomb('x1', 't2', 'chat'), streams('i1', 't1'), cost('t1', 'chat')])
    const open = e.open()
    expect(open).toHaveLength(2)
    const t1 = open.find((i) => i.tenant_id === 't1')!
    expect(t1.detectors).toEqual(['cost_anomalies', 'prompt_bombing', 'stream_abuse'])
    expect(t1.severity).toBe('critical')
    // One message for t1 at minute 1 (escalated outranks the new-alert update), none for t2.
    expect(e.events.filter((x) => x.startsWith('1:'))).toEqual([`1:escalated:${t1.id.slice(0, 4)}`])
  })

  it('merges two incidents an alert connects into the older one', () => {
    const e = engine()
    e.run(0, [bomb('a', 't1', 'chat')])
    e.run(1, [bomb('a', 't1', 'chat'), bomb('b', 't1', 'search')])
    expect(e.open()).toHaveLength(2)
    const older = e.open().find((i) => i.alert_ids.length === 1 && i.first_seen === 0)!
    e.run(2, [bomb('a', 't1', 'chat'), bomb('b', 't1', 'search'), farm('c', ['a', 'b'])])
    const open = e.open()
    expect(open).toHaveLength(1)
    expect(open[0].id).toBe(older.id)
    expect([...e.incidents.values()].find((i) => i.merged_into)).toMatchObject({ state: 'resolved', resolved_by: 'merged', merged_into: older.id })
    expect([...e.alerts.values()].every((a) => a.incident_id === older.id)).toBe(true)
  })

  it('resolves when every alert resolved, and reopens the same incident when one fires again soon', () => {
    const e = engine()
    e.run(0, [bomb('i1')])
    const [i] = e.open()
    e.run(12, [])
    expect(e.incidents.get(i.id)).toMatchObject({ state: 'resolved', resolved_by: 'auto' })
    e.run(14, [bomb('i1')])
    expect(e.incidents.get(i.id)!.state).toBe('open')
    expect(e.events.map((x) => x.split(':')[1])).toEqual(['opened', 'resolved', 'reopened'])
  })

  it('acknowledging an incident acknowledges its alerts; a resolved alert stays resolved', () => {
    const e = engine()
    e.run(0, [bomb('i1'), streams('i1')])
    const [i] = e.open()
    const members = [...e.alerts.values()]
    const r = applyIncidentAction(i, members, 'acknowledge', 'alice', MIN)
    expect(r.incident).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice' })
    expect(r.alerts.map((a) => a.state)).toEqual(['acknowledged', 'acknowledged'])
    expect(r.notification.event).toBe('acknowledged')
    expect(() => applyIncidentAction(r.incident, r.alerts, 'acknowledge', 'bob', 2 * MIN)).toThrow(TransitionError)
    const resolved = applyIncidentAction(r.incident, r.alerts, 'resolve', 'bob', 2 * MIN)
    expect(resolved.alerts.every((a) => a.state === 'resolved' && a.resolved_by === 'bob')).toBe(true)
  })
})

describe('alerts written before incidents existed', () => {
  it('are grouped on the first run even if the run did not touch them', () => {
    const a = reconcile([], [bomb('old-1')], 0, P).upserts[0]
    expect(a.incident_id).toBe('')
    const g = assignIncidents([], [a], new Set(), MIN)
    expect(g.incidents).toHaveLength(1)
    expect(g.alerts.map((x) => x.incident_id)).toEqual([g.incidents[0].id])
  })
})
