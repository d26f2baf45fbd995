import { describe, expect, it } from 'vitest'
import { stabilizeClusterSubjects } from '../../lib/alerts/cluster-identity'
import { applyAction, DEFAULT_ALERT_POLICY as P, reconcile, TransitionError } from '../../lib/alerts/lifecycle'
import type { Alert } from '../../lib/alerts/types'
import type { Finding } from '../../lib/detection/types'

const MIN = 60_000
const finding = (score: number, subject = 'i-1', severity: Finding['severity'] = score >= 90 ? 'critical' : score >= 50 ? 'warning' : 'info'): Finding => ({
  detector: 'prompt_bombing',
  subject_kind: 'install',
  subject,
  tenant_id: 't',
  severity,
  score,
  title: `bomber ${subject}`,
  evidence: { reasons: ['big'] } as never,
})

/** Runs reconcile over a sequence of (minute, findings), keeping the alert table in memory. */
function play(steps: [number, Finding[]][]) {
  const table = new Map<string, Alert>()
  const log: string[] = []
  for (const [minute, findings] of steps) {
    const now = minute * MIN
    const active = [...table.values()].filter((a) => a.state !== 'resolved' || (a.resolved_at ?? 0) >= now - P.resolveAfterMs)
    const r = reconcile(active, findings, now, P)
    for (const a of r.upserts) table.set(a.id, a)
    for (const t of r.transitions) log.push(`${minute}:${t.action}`)
  }
  return { alerts: [...table.values()], log }
}

describe('alert reconciliation', () => {
  it('opens one alert per subject and updates it while the condition holds', () => {
    const { alerts, log } = play([
      [0, [finding(60)]],
      [1, [finding(70)]],
      [2, [finding(65)]],
    ])
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ state: 'open', score: 65, peak_score: 70, first_seen: 0, last_seen: 2 * MIN })
    expect(log).toEqual(['0:create'])
  })

  it('does not open below the alert threshold', () => {
    expect(play([[0, [finding(45)]]]).alerts).toHaveLength(0)
  })

  it('keeps firing between keep and open scores (hysteresis), then auto-resolves after the quiet period', () => {
    const steps: [number, Finding[]][] = [
      [0, [finding(60)]],
      [1, [finding(40)]],
      [2, [finding(30)]],
    ]
    for (let m = 3; m <= 13; m++) steps.push([m, []])
    const { alerts, log } = play(steps)
    expect(alerts[0].last_firing).toBe(1 * MIN)
    expect(alerts[0].state).toBe('resolved')
    expect(alerts[0].resolved_by).toBe('auto')
    expect(log).toEqual(['0:create', '11:auto_resolve'])
  })

  it('reopens the same alert when the condition returns soon after resolving', () => {
    const steps: [number, Finding[]][] = [[0, [finding(60)]]]
    for (let m = 1; m <= 10; m++) steps.push([m, []])
    steps.push([12, [finding(80)]])
    const { alerts, log } = play(steps)
    expect(alerts).toHaveLength(1)
    expect(alerts[0].state).toBe('open')
    expect(log).toEqual(['0:create', '10:auto_resolve', '12:reopen'])
  })

  it('escalates severity once and never downgrades while open', () => {
    const { alerts, log } = play([
      [0, [finding(60)]],
      [1, [finding(95)]],
      [2, [finding(60)]],
    ])
    expect(alerts[0].severity).toBe('critical')
    expect(log).toEqual(['0:create', '1:escalate'])
  })

  it('does not resolve alerts of a detector that failed this run', () => {
    const open = reconcile([], [finding(60)], 0, P).upserts
    const r = reconcile(open, [], 30 * MIN, P, new Set(['prompt_bombing']))
    expect(r.upserts).toHaveLength(0)
  })
})

describe('user actions', () => {
  const base = reconcile([], [finding(60)], 0, P).upserts[0]

  it('acknowledge → resolve records who and when', () => {
    const ack = applyAction(base, 'acknowledge', 'alice', 5 * MIN)
    expect(ack.alert).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice', acknowledged_at: 5 * MIN })
    expect(ack.transition).toMatchObject({ from_state: 'open', to_state: 'acknowledged', actor: 'alice', action: 'acknowledge' })
    expect(ack.alert.version).toBeGreaterThan(base.version)
    const res = applyAction(ack.alert, 'resolve', 'bob', 6 * MIN, { note: 'blocked' })
    expect(res.alert).toMatchObject({ state: 'resolved', resolved_by: 'bob' })
    expect(res.transition.note).toBe('blocked')
  })

  it('snooze needs a future time, and an expired snooze reopens a still-firing alert', () => {
    expect(() => applyAction(base, 'snooze', 'alice', MIN)).toThrow(TransitionError)
    const snoozed = applyAction(base, 'snooze', 'alice', MIN, { until: 5 * MIN }).alert
    expect(snoozed.state).toBe('snoozed')
    const during = reconcile([snoozed], [finding(60)], 3 * MIN, P)
    expect(during.upserts[0].state).toBe('snoozed')
    const after = reconcile([snoozed], [finding(60)], 6 * MIN, P)
    expect(after.upserts[0].state).toBe('open')
    expect(after.transitions[0].action).toBe('snooze_expired')
  })

  it('notifies "reopened" when a snooze expires on a firing alert, with the severity it reached while snoozed', () => {
    const snoozed = applyAction(base, 'snooze', 'alice', MIN, { until: 5 * MIN }).alert
    // Escalated during the snooze: recorded, but quiet.
    const during = reconcile([snoozed], [finding(95)], 3 * MIN, P)
    expect(during.upserts[0]).toMatchObject({ state: 'snoozed', severity: 'critical' })
    expect(during.transitions.map((t) => t.action)).toEqual(['escalate'])
    expect(during.notifications).toEqual([])
    const after = reconcile(during.upserts, [finding(60)], 6 * MIN, P)
    expect(after.upserts[0]).toMatchObject({ state: 'open', severity: 'critical', snoozed_until: null })
    expect(after.notifications.map((n) => [n.event, n.alert.severity, n.alert.state])).toEqual([['reopened', 'critical', 'open']])
  })

  it('sends one "reopened" (not also "escalated") when a snooze expires in the run that escalates', () => {
    const snoozed = applyAction(base, 'snooze', 'alice', MIN, { until: 5 * MIN }).alert
    const after = reconcile([snoozed], [finding(95)], 6 * MIN, P)
    expect(after.transitions.map((t) => t.action)).toEqual(['snooze_expired', 'escalate'])
    expect(after.notifications.map((n) => [n.event, n.alert.severity])).toEqual([['reopened', 'critical']])
  })

  it('refuses actions that do not apply', () => {
    const resolved = applyAction(base, 'resolve', 'a', MIN).alert
    expect(() => applyAction(resolved, 'acknowledge', 'a', 2 * MIN)).toThrow(/cannot acknowledge/)
    expect(applyAction(resolved, 'reopen', 'a', 2 * MIN).alert.state).toBe('open')
  })
})

describe('cluster identity', () => {
  it('maps a regrouped farm onto the alert that already covers most of its members', () => {
    const farm = (id: string, members: string[]): Finding => ({
      ...finding(90, id),
      detector: 'emulator_farms',
      subject_kind: 'cluster',
      evidence: { members } as never,
    })
    const open = reconcile([], [farm('c-a', ['a', 'b', 'c', 'd'])], 0, P).upserts
    const next = stabilizeClusterSubjects(open, [farm('c-b', ['a', 'b', 'c', 'd', 'e', 'f']), farm('c-z', ['x', 'y'])])
    expect(next.map((f) => f.subject).sort()).toEqual(['c-a', 'c-z'])
  })

  it('an open bombing group keeps every member it has named, and starts afresh after it resolves', () => {
    const group = (score: number, members: string[]): Finding => ({
      ...finding(score, 't:bombing-g1'),
      subject_kind: 'cluster',
      title: `Prompt bombing: ${members.length} installs on t/chat (coordinated excess)`,
      evidence: { reasons: ['many'], members } as never,
    })
    const members = (a: Alert) => (a.evidence as unknown as { members: string[] }).members
    const open = play([
      [0, [group(60, ['i-1', 'i-2', 'i-3'])]],
      [1, [group(62, ['i-1', 'i-3'])]],
      [2, [group(64, ['i-3', 'i-4'])]],
    ]).alerts
    expect(members(open[0])).toEqual(['i-1', 'i-2', 'i-3', 'i-4'])
    expect(open[0].title).toMatch(/^Prompt bombing: 4 installs/)
    // Installs named by a per-install alert are that alert's own: nothing to keep there.
    const single = play([
      [0, [{ ...finding(60), evidence: { members: ['i-1'] } as never }]],
      [1, [{ ...finding(60), evidence: { members: ['i-9'] } as never }]],
    ]).alerts
    expect(members(single[0])).toEqual(['i-9'])
    const reopened = play([
      [0, [group(60, ['i-1', 'i-2'])]],
      [20, []],
      [22, [group(60, ['i-7'])]],
    ]).alerts
    expect(reopened[0].state).toBe('open')
    expect(members(reopened[0])).toEqual(['i-7'])
  })
})
