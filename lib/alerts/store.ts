import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { DetectorName, Severity } from '../detection/types'
import { ACTIVE_OR_RESOLVED_SINCE, fromTs, listPage, requiredTs, selectLatest, type ListFilter } from './versioned-table'
import type { Alert, AlertState, AlertTransition } from './types'

/**
 * Reads and writes of the alerts tables. An alert update is an insert of the
 * whole row with a higher version (ReplacingMergeTree); reads use FINAL.
 */

const ts = (ms: number | null) => (ms === null ? null : ms)

// Aliases end in _ms: an alias named like its column would shadow it in WHERE and ORDER BY.
const COLUMNS = `id, incident_id, detector, subject_kind, subject, tenant_id, title, state, severity, score, peak_score,
  toUnixTimestamp64Milli(first_seen) AS first_seen_ms, toUnixTimestamp64Milli(last_seen) AS last_seen_ms,
  toUnixTimestamp64Milli(last_firing) AS last_firing_ms, acknowledged_by,
  toUnixTimestamp64Milli(acknowledged_at) AS acknowledged_at_ms, toUnixTimestamp64Milli(snoozed_until) AS snoozed_until_ms,
  toUnixTimestamp64Milli(resolved_at) AS resolved_at_ms, resolved_by, toUnixTimestamp64Milli(updated_at) AS updated_at_ms, version`

function fromRow(r: Record<string, unknown>, withEvidence: boolean): Alert {
  return {
    id: String(r.id),
    incident_id: String(r.incident_id ?? ''),
    detector: r.detector as DetectorName,
    subject_kind: r.subject_kind as Alert['subject_kind'],
    subject: String(r.subject),
    tenant_id: String(r.tenant_id),
    title: String(r.title),
    state: r.state as AlertState,
    severity: r.severity as Severity,
    score: Number(r.score),
    peak_score: Number(r.peak_score),
    first_seen: requiredTs(r.first_seen_ms),
    last_seen: requiredTs(r.last_seen_ms),
    last_firing: requiredTs(r.last_firing_ms),
    acknowledged_by: r.acknowledged_by ? String(r.acknowledged_by) : null,
    acknowledged_at: fromTs(r.acknowledged_at_ms),
    snoozed_until: fromTs(r.snoozed_until_ms),
    resolved_at: fromTs(r.resolved_at_ms),
    resolved_by: r.resolved_by ? String(r.resolved_by) : null,
    updated_at: requiredTs(r.updated_at_ms),
    version: Number(r.version),
    evidence: withEvidence && r.evidence ? JSON.parse(String(r.evidence)) : null,
  }
}

/**
 * The write lock and the version counter are per process, not per module instance: Next.js loads this module once
 * for the route handlers and again for the detection runner started from instrumentation.ts, and a lock per
 * instance let a detection run overwrite a user's acknowledge made while it ran (its incident row, planned from
 * the state read before, had the newer version).
 */
const PROCESS_KEY = Symbol.for('burnrate.alerts.write-lock')
type ProcessState = { chain: Promise<unknown>; lastVersion: number }
const processState = (): ProcessState => ((globalThis as { [PROCESS_KEY]?: ProcessState })[PROCESS_KEY] ??= { chain: Promise.resolve(), lastVersion: 0 })

/** Monotonic across this process and above any version read, so the newest write always wins. */
export function nextVersion(previous = 0): number {
  const p = processState()
  p.lastVersion = Math.max(p.lastVersion + 1, previous + 1, Date.now() * 1000)
  return p.lastVersion
}

export async function writeAlerts(store: Store, alerts: Alert[]): Promise<void> {
  if (alerts.length === 0) return
  await store.client.insert({
    table: `${store.database}.alerts`,
    format: 'JSONEachRow',
    values: alerts.map((a) => ({
      ...a,
      acknowledged_by: a.acknowledged_by ?? '',
      resolved_by: a.resolved_by ?? '',
      acknowledged_at: ts(a.acknowledged_at),
      snoozed_until: ts(a.snoozed_until),
      resolved_at: ts(a.resolved_at),
      evidence: a.evidence === null ? '' : JSON.stringify(a.evidence),
    })),
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
}

export async function writeTransitions(store: Store, transitions: AlertTransition[]): Promise<void> {
  if (transitions.length === 0) return
  await store.client.insert({ table: `${store.database}.alert_transitions`, format: 'JSONEachRow', values: transitions })
}

export function select(store: Store, where: string, params: Record<string, unknown>, tail = '', withEvidence = false): Promise<Alert[]> {
  return selectLatest(store, 'alerts', `${COLUMNS}${withEvidence ? ', evidence' : ''}`, where, params, tail, (r) => fromRow(r, withEvidence))
}

export async function getAlert(store: Store, id: string): Promise<Alert | null> {
  return (await select(store, 'id = {id:String}', { id }, 'LIMIT 1', true))[0] ?? null
}

/** Alerts the reconciler must consider: everything not resolved, plus those resolved since `resolvedSince` (may reopen). */
export async function activeAlerts(store: Store, resolvedSince: number): Promise<Alert[]> {
  return select(store, ACTIVE_OR_RESOLVED_SINCE, { since: resolvedSince }, '', true)
}

export interface AlertFilter extends ListFilter {
  detectors?: DetectorName[]
  subject?: string
  incident?: string
}

/** Alerts overlapping [from, to): seen at some point in the range. */
export async function listAlerts(store: Store, f: AlertFilter): Promise<{ alerts: Alert[]; total: number; counts: Record<Severity, number> }> {
  const extra = {
    where: [
      f.detectors?.length ? 'detector IN {detectors:Array(String)}' : '',
      f.subject ? 'subject = {subject:String}' : '',
      f.incident ? 'incident_id = {incident:String}' : '',
    ],
    params: { detectors: f.detectors ?? [], subject: f.subject ?? '', incident: f.incident ?? '' },
  }
  const { rows, ...totals } = await listPage(store, 'alerts', f, extra, (where, params, tail) => select(store, where, params, tail))
  return { alerts: rows, ...totals }
}

/** Every alert of the given incidents, with evidence when asked. */
export async function alertsOfIncidents(store: Store, ids: string[], withEvidence = false): Promise<Alert[]> {
  if (ids.length === 0) return []
  return select(store, 'incident_id IN {ids:Array(String)}', { ids }, 'ORDER BY first_seen, id', withEvidence)
}

export function alertTransitions(store: Store, id: string): Promise<AlertTransition[]> {
  return alertTransitionsOf(store, [id])
}

/** The transitions of the given alerts, oldest first (an incident's detail shows those of all its alerts). */
export async function alertTransitionsOf(store: Store, alertIds: string[]): Promise<AlertTransition[]> {
  if (alertIds.length === 0) return []
  return (
    await selectRows<Record<string, unknown>>(
      store,
      `SELECT alert_id, toUnixTimestamp64Milli(at) AS at, from_state, to_state, actor, action, note
            FROM ${store.database}.alert_transitions WHERE alert_id IN {ids:Array(String)} ORDER BY at, alert_id, to_state`,
      { ids: alertIds },
    )
  ).map((r) => ({ ...(r as unknown as AlertTransition), at: Number(r.at) }))
}

/**
 * Serializes read-modify-write of alerts inside one process, so a detection
 * run and a user's acknowledge cannot overwrite each other's update. (Across
 * processes the window is one read-to-write; the highest version still wins.)
 */
export function withAlertLock<T>(fn: () => Promise<T>): Promise<T> {
  const p = processState()
  const next = p.chain.then(fn, fn)
  p.chain = next.catch(() => {})
  return next
}
