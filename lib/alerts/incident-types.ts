import type { Alert, AlertAction, AlertState, AlertTransition, DetectorName, Severity } from './types'

/**
 * One incident per attack: the alerts of every detector that share installs, a
 * cluster, or a tenant and feature while the incident is unresolved (the rule
 * is in docs/detection.md, "Incidents"). Users act on incidents; webhooks and
 * PagerDuty notify per incident. Times are epoch ms.
 */
export interface Incident {
  id: string
  tenant_id: string
  /** The lead alert's title (highest severity, then score), plus a count of the others. Unescaped: escape where rendered. */
  title: string
  state: AlertState
  /** Highest severity of its alerts. */
  severity: Severity
  /** Highest peak score of its alerts. */
  score: number
  first_seen: number
  last_seen: number
  acknowledged_by: string | null
  acknowledged_at: number | null
  snoozed_until: number | null
  resolved_at: number | null
  /** 'auto' when every alert resolved, 'merged' when folded into `merged_into`, else the user id. */
  resolved_by: string | null
  /** Set when a later alert joined this incident to an older one: this one is then closed. */
  merged_into: string
  alert_ids: string[]
  detectors: DetectorName[]
  /** Grouping keys of its alerts: install:, cluster:, feature:, tenant: (see incident-keys.ts). */
  keys: string[]
  updated_at: number
  version: number
}

export interface IncidentTransition {
  incident_id: string
  at: number
  from_state: AlertState | 'none'
  to_state: AlertState
  actor: string
  action: AlertAction | 'create' | 'add_alert' | 'escalate' | 'auto_resolve' | 'snooze_expired' | 'merge'
  note: string
}

/** What a notification says about an incident. */
export const INCIDENT_EVENTS = ['opened', 'updated', 'escalated', 'reopened', 'acknowledged', 'snoozed', 'resolved'] as const
export type IncidentEvent = (typeof INCIDENT_EVENTS)[number]

export interface IncidentNotification {
  event: IncidentEvent
  incident: Incident
  /** Its alerts as known at the time (with evidence), lead first. */
  alerts: Alert[]
  /** E.g. the title of the alert that joined, or who acknowledged. */
  note: string
}

/** GET /api/incidents: incidents without keys, each with its alerts' summaries (no evidence). */
export type IncidentSummary = Omit<Incident, 'keys'>
export interface IncidentListItem extends IncidentSummary {
  alerts: Omit<Alert, 'evidence'>[]
}

export interface IncidentListResponse {
  incidents: IncidentListItem[]
  total: number
  limit: number
  offset: number
  from: number
  to: number
  /** Open + acknowledged incidents per severity in the range, for badges. */
  counts: Record<Severity, number>
}

/** GET /api/incidents/[id]: the incident, every alert with its evidence, and the history. */
export interface IncidentDetailResponse {
  incident: IncidentSummary
  alerts: Alert[]
  transitions: IncidentTransition[]
  alert_transitions: AlertTransition[]
  /** Every notification attempt for this incident (alert_deliveries), oldest first: which target, answer, error. */
  deliveries: IncidentDelivery[]
}

/** One attempt to notify a target (webhook or PagerDuty, named by host) of an incident. */
export interface IncidentDelivery {
  at: number
  target: string
  attempt: number
  /** HTTP status, 0 when no answer came. */
  status: number
  ok: boolean
  error: string
}

/** POST /api/incidents/[id]/transition */
export interface IncidentTransitionResponse {
  incident: IncidentSummary
  alerts: Alert[]
  transition: IncidentTransition
}
