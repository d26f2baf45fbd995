import type { DetectorName, Finding, Severity } from '../detection/types'
import { nextVersion } from './store'
import { ALLOWED_FROM, type Alert, type AlertAction, type AlertState, type AlertTransition } from './types'
import { newRecordId } from '../ids'

/**
 * Pure alert state machine: detection findings and user actions in, new
 * alert rows and transitions out. No I/O, so it is unit-tested directly and
 * the evaluation replays it in memory.
 */

export interface AlertPolicy {
  /** Score at which a finding opens an alert (50 = the detector's alert threshold). */
  openScore: number
  /** Hysteresis: an open alert keeps firing while the score stays at or above this. */
  keepScore: number
  /** Condition clear this long → auto-resolve; a re-fire within this after resolving reopens the same alert. */
  resolveAfterMs: number
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { openScore: 50, keepScore: 35, resolveAfterMs: 10 * 60_000 }

export type NotifyEvent = 'opened' | 'escalated' | 'reopened' | 'resolved'
export interface Notification {
  event: NotifyEvent
  alert: Alert
}

export interface Reconciled {
  upserts: Alert[]
  transitions: AlertTransition[]
  notifications: Notification[]
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }
const maxSeverity = (a: Severity, b: Severity) => (RANK[b] > RANK[a] ? b : a)
const key = (detector: string, subject: string) => `${detector}\u0000${subject}`

function transition(a: Alert, from: AlertState | 'none', action: AlertTransition['action'], actor: string, at: number, note = ''): AlertTransition {
  return { alert_id: a.id, at, from_state: from, to_state: a.state, actor, action, note }
}

function openAlert(f: Finding, now: number): Alert {
  return {
    id: newRecordId(),
    incident_id: '',
    detector: f.detector,
    subject_kind: f.subject_kind,
    subject: f.subject,
    tenant_id: f.tenant_id,
    title: f.title,
    state: 'open',
    severity: f.severity === 'info' ? 'warning' : f.severity,
    score: f.score,
    peak_score: f.score,
    first_seen: now,
    last_seen: now,
    last_firing: now,
    acknowledged_by: null,
    acknowledged_at: null,
    snoozed_until: null,
    resolved_at: null,
    resolved_by: null,
    updated_at: now,
    version: nextVersion(),
    evidence: f.evidence,
  }
}

/** Members an open group alert lists at most (as the detectors cap a group's list). */
const MAX_KEPT_MEMBERS = 500

/**
 * A prompt-bombing group's finding lists the installs past the test at this run; members near the line drop out and
 * come back run to run. While the alert stays open it keeps listing every install it has named (on-call sees one
 * stable list, and the incident's members never shrink); a resolved alert that reopens starts from its finding again.
 */
function withKeptMembers(prev: Alert, f: Finding): { evidence: Finding['evidence']; title: string } {
  const before = (prev.evidence as { members?: unknown } | null)?.members
  const now = (f.evidence as { members?: unknown } | null)?.members
  if (f.detector !== 'prompt_bombing' || f.subject_kind !== 'cluster' || !Array.isArray(before) || !Array.isArray(now))
    return { evidence: f.evidence, title: f.title }
  const members = [...new Set([...(now as string[]), ...(before as string[])])].slice(0, MAX_KEPT_MEMBERS).sort()
  if (members.length === now.length) return { evidence: f.evidence, title: f.title }
  return {
    evidence: { ...(f.evidence as object), members } as Finding['evidence'],
    title: f.title.replace(/^Prompt bombing: \d+ installs/, `Prompt bombing: ${members.length} installs`),
  }
}

/**
 * One detection run against the alerts that may be affected. `active` holds
 * unresolved alerts plus recently resolved ones; `failed` detectors' alerts
 * are left as they are (no data is not evidence that a condition cleared).
 */
export function reconcile(
  active: Alert[],
  findings: Finding[],
  now: number,
  policy: AlertPolicy,
  failed: ReadonlySet<DetectorName> = new Set(),
  ran?: ReadonlySet<DetectorName>,
): Reconciled {
  const out: Reconciled = { upserts: [], transitions: [], notifications: [] }
  const current = new Map<string, Alert>()
  for (const a of [...active].sort((x, y) => x.first_seen - y.first_seen)) current.set(key(a.detector, a.subject), a)
  const touched = new Set<string>()
  for (const f of findings) {
    const k = key(f.detector, f.subject)
    const prev = current.get(k)
    if (prev && prev.state !== 'resolved') {
      if (f.score < policy.keepScore) continue
      touched.add(k)
      const kept = withKeptMembers(prev, f)
      const next: Alert = {
        ...prev,
        score: f.score,
        peak_score: Math.max(prev.peak_score, f.score),
        last_seen: now,
        last_firing: now,
        title: kept.title,
        evidence: kept.evidence,
        updated_at: now,
        version: nextVersion(prev.version),
      }
      const severity = f.score >= policy.openScore ? maxSeverity(prev.severity, f.severity) : prev.severity
      const snoozeExpired = prev.state === 'snoozed' && prev.snoozed_until !== null && prev.snoozed_until <= now
      if (snoozeExpired) {
        next.state = 'open'
        next.snoozed_until = null
        out.transitions.push(transition(next, 'snoozed', 'snooze_expired', 'detector', now))
      }
      if (RANK[severity] > RANK[prev.severity]) {
        next.severity = severity
        out.transitions.push(transition(next, prev.state, 'escalate', 'detector', now, `${prev.severity} → ${severity}`))
        if (next.state !== 'snoozed' && !snoozeExpired) out.notifications.push({ event: 'escalated', alert: next })
      }
      // Escalations while snoozed were held back: the one message on expiry carries the severity reached.
      if (snoozeExpired) out.notifications.push({ event: 'reopened', alert: next })
      out.upserts.push(next)
    } else if (f.score >= policy.openScore) {
      touched.add(k)
      if (prev) {
        // Re-fired soon after resolving: the same incident, so the same alert (no flapping of new ids).
        const next: Alert = {
          ...prev,
          state: 'open',
          score: f.score,
          peak_score: Math.max(prev.peak_score, f.score),
          severity: f.severity === 'info' ? prev.severity : f.severity,
          last_seen: now,
          last_firing: now,
          resolved_at: null,
          resolved_by: null,
          acknowledged_by: null,
          acknowledged_at: null,
          title: f.title,
          evidence: f.evidence,
          updated_at: now,
          version: nextVersion(prev.version),
        }
        out.upserts.push(next)
        out.transitions.push(transition(next, 'resolved', 'reopen', 'detector', now, 'condition returned'))
        out.notifications.push({ event: 'reopened', alert: next })
      } else {
        const a = openAlert(f, now)
        current.set(k, a)
        out.upserts.push(a)
        out.transitions.push(transition(a, 'none', 'create', 'detector', now))
        out.notifications.push({ event: 'opened', alert: a })
      }
    }
  }
  for (const [k, a] of current) {
    if (touched.has(k) || a.state === 'resolved' || failed.has(a.detector) || (ran && !ran.has(a.detector))) continue
    if (now - a.last_firing < policy.resolveAfterMs) continue
    const next: Alert = {
      ...a,
      state: 'resolved',
      resolved_at: now,
      resolved_by: 'auto',
      snoozed_until: null,
      updated_at: now,
      version: nextVersion(a.version),
    }
    out.upserts.push(next)
    out.transitions.push(transition(next, a.state, 'auto_resolve', 'detector', now, `clear for ${Math.round((now - a.last_firing) / 60_000)} min`))
    out.notifications.push({ event: 'resolved', alert: next })
  }
  return out
}

export class TransitionError extends Error {}

type ActionFields = Pick<Alert, 'state' | 'snoozed_until'> & Partial<Pick<Alert, 'acknowledged_by' | 'acknowledged_at' | 'resolved_by' | 'resolved_at'>>

/** The fields a user's action sets, the same on an alert and on an incident; throws TransitionError for a bad snooze. */
export function actionFields(action: AlertAction, actor: string, now: number, opts: { until?: number } = {}): ActionFields {
  switch (action) {
    case 'acknowledge':
      return { state: 'acknowledged', acknowledged_by: actor, acknowledged_at: now, snoozed_until: null }
    case 'resolve':
      return { state: 'resolved', resolved_by: actor, resolved_at: now, snoozed_until: null }
    case 'snooze':
      if (opts.until === undefined || !(opts.until > now)) throw new TransitionError('snooze needs `until` in the future')
      if (opts.until - now > 30 * 86_400_000) throw new TransitionError('snooze for at most 30 days')
      return { state: 'snoozed', snoozed_until: opts.until }
    case 'reopen':
      return { state: 'open', resolved_at: null, resolved_by: null, snoozed_until: null, acknowledged_by: null, acknowledged_at: null }
  }
}

/** A user's action on an alert; throws TransitionError when the action does not apply to the current state. */
export function applyAction(
  a: Alert,
  action: AlertAction,
  actor: string,
  now: number,
  opts: { until?: number; note?: string } = {},
): { alert: Alert; transition: AlertTransition } {
  if (!ALLOWED_FROM[action].includes(a.state)) throw new TransitionError(`cannot ${action} an alert that is ${a.state}`)
  const next: Alert = { ...a, ...actionFields(action, actor, now, opts), updated_at: now, version: nextVersion(a.version) }
  // The condition may have cleared long ago: count from now so auto-resolve waits a full period.
  if (action === 'reopen') next.last_firing = now
  const note = opts.note ?? (action === 'snooze' ? `until ${new Date(opts.until!).toISOString()}` : '')
  return { alert: next, transition: transition(next, a.state, action, actor, now, note.slice(0, 1000)) }
}
