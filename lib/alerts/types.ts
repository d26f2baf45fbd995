import type { DetectorName, RankingRows, Severity, SubjectKind } from '../detection/types'

export type { DetectorName, Severity, SubjectKind }

export const ALERT_STATES = ['open', 'acknowledged', 'resolved', 'snoozed'] as const
export type AlertState = (typeof ALERT_STATES)[number]

export const ALERT_ACTIONS = ['acknowledge', 'resolve', 'snooze', 'reopen'] as const
export type AlertAction = (typeof ALERT_ACTIONS)[number]

/** States each user action applies to, for alerts and incidents alike: the server checks it, the pages offer exactly it. */
export const ALLOWED_FROM: Record<AlertAction, readonly AlertState[]> = {
  acknowledge: ['open', 'snoozed'],
  resolve: ['open', 'acknowledged', 'snoozed'],
  snooze: ['open', 'acknowledged'],
  reopen: ['resolved', 'acknowledged', 'snoozed'],
}

/**
 * One alert per (detector, subject) while its condition holds. Times are
 * epoch ms. `evidence` is the detector's row at the last update.
 */
export interface Alert {
  id: string
  /** The incident this alert belongs to (lib/alerts/incidents.ts); '' before it was grouped. */
  incident_id: string
  detector: DetectorName
  subject_kind: SubjectKind
  subject: string
  tenant_id: string
  title: string
  state: AlertState
  severity: Severity
  /** Latest score, and the highest seen while the alert was open. */
  score: number
  peak_score: number
  first_seen: number
  last_seen: number
  /** Last detection run in which the condition held (drives auto-resolve). */
  last_firing: number
  acknowledged_by: string | null
  acknowledged_at: number | null
  snoozed_until: number | null
  resolved_at: number | null
  /** 'auto' when the condition cleared, else the user id that resolved it. */
  resolved_by: string | null
  updated_at: number
  version: number
  evidence: RankingRows[DetectorName] | null
}

/** A row of the transition log: who moved an alert from which state to which. */
export interface AlertTransition {
  alert_id: string
  at: number
  from_state: AlertState | 'none'
  to_state: AlertState
  /** User id, or 'detector' for automatic transitions. */
  actor: string
  action: AlertAction | 'create' | 'escalate' | 'auto_resolve' | 'snooze_expired' | 'merge'
  note: string
}

/** GET /api/alerts. Alerts in the list carry no evidence (see the detail). */
export interface AlertListResponse {
  alerts: Omit<Alert, 'evidence'>[]
  total: number
  limit: number
  offset: number
  from: number
  to: number
  /** Open + acknowledged alerts per severity in the range, for badges. */
  counts: Record<Severity, number>
}

/** GET /api/alerts/[id] */
export interface AlertDetailResponse {
  alert: Alert
  transitions: AlertTransition[]
}

/** POST /api/alerts/[id]/transition */
export interface AlertTransitionRequest {
  action: AlertAction
  /** Epoch ms or ISO time; required for snooze. */
  until?: number | string
  note?: string
}

export interface AlertTransitionResponse {
  alert: Alert
  transition: AlertTransition
}
