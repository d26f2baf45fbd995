import type { Severity } from '../detection/types'
import { groupingKeys, sharesKey } from './incident-keys'
import type { Incident, IncidentEvent, IncidentNotification, IncidentTransition } from './incident-types'
import { nextVersion } from './store'
import type { Alert } from './types'
import { newRecordId } from '../ids'

/**
 * Pure incident grouping: alerts in, incident rows, transitions and one
 * notification per changed incident out. No I/O. The rule (docs/detection.md,
 * "Incidents"): an alert that is not resolved joins the unresolved incident of
 * its tenant that shares one of its grouping keys (incident-keys.ts); if it
 * shares keys with several, they are merged into the oldest; if none, it opens
 * a new incident. An incident resolves when none of its alerts is unresolved.
 */

export interface IncidentRun {
  incidents: Incident[]
  /** Alerts whose incident_id changed (to be written with the caller's other alert rows). */
  alerts: Alert[]
  transitions: IncidentTransition[]
  notifications: IncidentNotification[]
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }
// Of several things that happened to one incident in a run, the message says the strongest.
const PRIORITY: Record<IncidentEvent, number> = { updated: 1, escalated: 2, acknowledged: 3, snoozed: 3, reopened: 4, opened: 5, resolved: 6 }

/** Lead alert first: unresolved, then severity, then farms (they explain the rest), then peak score. */
export function orderMembers(alerts: Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(a.state === 'resolved') - Number(b.state === 'resolved') ||
      RANK[b.severity] - RANK[a.severity] ||
      Number(b.detector === 'emulator_farms') - Number(a.detector === 'emulator_farms') ||
      b.peak_score - a.peak_score ||
      a.first_seen - b.first_seen,
  )
}

export function incidentTitle(lead: Alert, count: number): string {
  return count > 1 ? `${lead.title} (+${count - 1} related alert${count > 2 ? 's' : ''})` : lead.title
}

/**
 * `loaded`: unresolved incidents plus recently resolved ones. `alerts`: every
 * alert that may be a member (unresolved plus recently resolved), at their
 * newest version. `changed`: ids of alerts written by this run.
 */
export function assignIncidents(loaded: Incident[], alerts: Alert[], changed: ReadonlySet<string>, now: number): IncidentRun {
  const inc = new Map(loaded.map((i) => [i.id, { ...i, alert_ids: [...i.alert_ids], keys: [...i.keys], detectors: [...i.detectors] }]))
  const keySets = new Map([...inc.values()].map((i) => [i.id, new Set(i.keys)]))
  const byId = new Map(alerts.map((a) => [a.id, a]))
  const dirty = new Set<string>()
  const created = new Set<string>()
  const alertDirty = new Set<string>()
  const transitions: IncidentTransition[] = []
  const events = new Map<string, { event: IncidentEvent; note: string }>()
  const emit = (i: Incident, event: IncidentEvent, note = '') => {
    const cur = events.get(i.id)
    if (!cur || PRIORITY[event] > PRIORITY[cur.event]) events.set(i.id, { event, note })
  }
  const log = (i: Incident, from: Incident['state'] | 'none', action: IncidentTransition['action'], note = '') =>
    transitions.push({ incident_id: i.id, at: now, from_state: from, to_state: i.state, actor: 'detector', action, note: note.slice(0, 1000) })
  const resolveTo = (id: string) => {
    let i = inc.get(id)
    for (let hops = 0; i?.merged_into && hops < 10; hops++) i = inc.get(i.merged_into) ?? i
    return i
  }
  const addKeys = (i: Incident, keys: string[]) => {
    const set = keySets.get(i.id)!
    for (const k of keys)
      if (!set.has(k)) {
        set.add(k)
        i.keys.push(k)
        dirty.add(i.id)
      }
  }
  const create = (a: Alert): Incident => {
    const i: Incident = {
      id: newRecordId(),
      tenant_id: a.tenant_id,
      title: a.title,
      state: 'open',
      severity: a.severity,
      score: a.peak_score,
      first_seen: a.first_seen,
      last_seen: a.last_seen,
      acknowledged_by: null,
      acknowledged_at: null,
      snoozed_until: null,
      resolved_at: null,
      resolved_by: null,
      merged_into: '',
      alert_ids: [],
      detectors: [],
      keys: [],
      updated_at: now,
      version: 0,
    }
    inc.set(i.id, i)
    keySets.set(i.id, new Set())
    created.add(i.id)
    dirty.add(i.id)
    log(i, 'none', 'create', a.title)
    emit(i, 'opened', a.title)
    return i
  }
  const setIncident = (a: Alert, id: string) => {
    if (a.incident_id === id) return
    byId.set(a.id, { ...a, incident_id: id })
    alertDirty.add(a.id)
  }
  const merge = (from: Incident, into: Incident) => {
    const prev = from.state
    Object.assign(from, { state: 'resolved', resolved_at: now, resolved_by: 'merged', merged_into: into.id, snoozed_until: null })
    dirty.add(from.id).add(into.id)
    log(from, prev, 'merge', `into ${into.id}`)
    log(into, into.state, 'merge', `from ${from.id}`)
    emit(from, 'resolved', `merged into ${into.title}`)
    emit(into, 'updated', `merged with ${from.title}`)
    for (const id of from.alert_ids) if (!into.alert_ids.includes(id)) into.alert_ids.push(id)
    addKeys(into, from.keys)
    into.first_seen = Math.min(into.first_seen, from.first_seen)
    for (const a of [...byId.values()]) if (a.incident_id === from.id) setIncident(a, into.id)
  }

  // Unresolved alerts without an incident (written before migration 0011) are grouped on the first run too.
  const joining = [...byId.values()]
    .filter((a) => (changed.has(a.id) || !a.incident_id) && a.state !== 'resolved')
    .sort((x, y) => x.first_seen - y.first_seen || x.id.localeCompare(y.id))
  for (const original of joining) {
    const a = byId.get(original.id)!
    const keys = groupingKeys(a)
    const own = a.incident_id ? resolveTo(a.incident_id) : undefined
    const candidates = [...inc.values()]
      .filter((i) => i !== own && i.state !== 'resolved' && i.tenant_id === a.tenant_id && sharesKey(keys, keySets.get(i.id)!))
      .sort((x, y) => x.first_seen - y.first_seen || x.id.localeCompare(y.id))
    let target = own
    if (target && target.state === 'resolved') {
      if (target.merged_into) target = undefined
      else {
        // The alert fired again soon after its incident resolved: the same attack, so the same incident.
        const prev = target.state
        Object.assign(target, { state: 'open', resolved_at: null, resolved_by: null, acknowledged_at: null, acknowledged_by: null })
        dirty.add(target.id)
        log(target, prev, 'reopen', `condition returned: ${a.title}`)
        emit(target, 'reopened', a.title)
      }
    }
    target ??= candidates[0] ?? create(a)
    // The older incident survives a merge, so links already sent keep pointing at the attack.
    for (const other of candidates) {
      if (other === target) continue
      if (other.first_seen < target.first_seen && !created.has(other.id)) {
        merge(target, other)
        target = other
      } else merge(other, target)
    }
    setIncident(a, target.id)
    if (!target.alert_ids.includes(a.id)) {
      target.alert_ids.push(a.id)
      dirty.add(target.id)
      if (!created.has(target.id) || target.alert_ids.length > 1) {
        log(target, target.state, 'add_alert', a.title)
        if (target.state !== 'snoozed') emit(target, 'updated', `new alert: ${a.title}`)
      }
    }
    addKeys(target, keys)
  }

  // Derived fields, auto-resolve and snooze expiry, over every incident still open.
  const members = new Map<string, Alert[]>()
  for (const a of byId.values()) if (a.incident_id) (members.get(a.incident_id) ?? members.set(a.incident_id, []).get(a.incident_id)!).push(a)
  for (const i of inc.values()) {
    if (i.state === 'resolved' && !dirty.has(i.id)) continue
    const list = orderMembers(members.get(i.id) ?? [])
    const live = list.filter((a) => a.state !== 'resolved')
    if (list.length) {
      const severity = list.reduce<Severity>((s, a) => (RANK[a.severity] > RANK[s] ? a.severity : s), i.severity)
      const next = {
        title: incidentTitle(list[0], Math.max(i.alert_ids.length, list.length)),
        severity,
        score: Math.max(i.score, ...list.map((a) => a.peak_score)),
        last_seen: Math.max(i.last_seen, ...list.map((a) => a.last_seen)),
        first_seen: Math.min(i.first_seen, ...list.map((a) => a.first_seen)),
        detectors: [...new Set([...i.detectors, ...list.map((a) => a.detector)])].sort() as Incident['detectors'],
      }
      if (RANK[severity] > RANK[i.severity] && !created.has(i.id)) {
        log(i, i.state, 'escalate', `${i.severity} → ${severity}`)
        if (i.state !== 'snoozed') emit(i, 'escalated', `${i.severity} → ${severity}`)
      }
      if (
        JSON.stringify(next) !==
        JSON.stringify({ title: i.title, severity: i.severity, score: i.score, last_seen: i.last_seen, first_seen: i.first_seen, detectors: i.detectors })
      ) {
        Object.assign(i, next)
        dirty.add(i.id)
      }
    }
    if (i.state === 'resolved') continue
    if (live.length === 0) {
      const prev = i.state
      Object.assign(i, { state: 'resolved', resolved_at: now, resolved_by: 'auto', snoozed_until: null })
      dirty.add(i.id)
      log(i, prev, 'auto_resolve', 'every alert resolved')
      emit(i, 'resolved', 'every alert resolved')
    } else if (i.state === 'snoozed' && i.snoozed_until !== null && i.snoozed_until <= now) {
      Object.assign(i, { state: 'open', snoozed_until: null })
      dirty.add(i.id)
      log(i, 'snoozed', 'snooze_expired')
      emit(i, 'reopened', 'snooze expired')
    }
  }

  const out: Incident[] = []
  for (const id of dirty) {
    const i = inc.get(id)!
    i.updated_at = now
    i.version = nextVersion(i.version)
    out.push(i)
  }
  const notifications: IncidentNotification[] = []
  for (const [id, e] of events) {
    const i = inc.get(id)!
    const list = orderMembers(
      [...byId.values()].filter((a) => a.incident_id === id || (i.merged_into && a.incident_id === i.merged_into && i.alert_ids.includes(a.id))),
    )
    notifications.push({ event: e.event, incident: i, alerts: list, note: e.note })
  }
  return { incidents: out, alerts: [...alertDirty].map((id) => byId.get(id)!), transitions, notifications }
}
