import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { Severity } from '../detection/types'
import type { Incident, IncidentDelivery, IncidentTransition } from './incident-types'
import { ACTIVE_OR_RESOLVED_SINCE, fromTs, listPage, listRows, requiredTs, selectLatest, type ListFilter } from './versioned-table'
import type { AlertState } from './types'

/**
 * Reads and writes of the incidents tables (migration 0011), with the alerts
 * table's conventions: an update inserts the whole row with a higher version
 * (ReplacingMergeTree), reads use FINAL.
 */

const COLUMNS = `id, tenant_id, title, state, severity, score, merged_into, alert_ids, detectors,
  toUnixTimestamp64Milli(first_seen) AS first_seen_ms, toUnixTimestamp64Milli(last_seen) AS last_seen_ms, acknowledged_by,
  toUnixTimestamp64Milli(acknowledged_at) AS acknowledged_at_ms, toUnixTimestamp64Milli(snoozed_until) AS snoozed_until_ms,
  toUnixTimestamp64Milli(resolved_at) AS resolved_at_ms, resolved_by, toUnixTimestamp64Milli(updated_at) AS updated_at_ms, version`

function fromRow(r: Record<string, unknown>): Incident {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    title: String(r.title),
    state: r.state as AlertState,
    severity: r.severity as Severity,
    score: Number(r.score),
    first_seen: requiredTs(r.first_seen_ms),
    last_seen: requiredTs(r.last_seen_ms),
    acknowledged_by: r.acknowledged_by ? String(r.acknowledged_by) : null,
    acknowledged_at: fromTs(r.acknowledged_at_ms),
    snoozed_until: fromTs(r.snoozed_until_ms),
    resolved_at: fromTs(r.resolved_at_ms),
    resolved_by: r.resolved_by ? String(r.resolved_by) : null,
    merged_into: String(r.merged_into ?? ''),
    alert_ids: (r.alert_ids as string[]) ?? [],
    detectors: (r.detectors as Incident['detectors']) ?? [],
    keys: Array.isArray(r.keys) ? (r.keys as string[]) : [],
    updated_at: requiredTs(r.updated_at_ms),
    version: Number(r.version),
  }
}

export async function writeIncidents(store: Store, incidents: Incident[]): Promise<void> {
  if (incidents.length === 0) return
  await store.client.insert({
    table: `${store.database}.incidents`,
    format: 'JSONEachRow',
    values: incidents.map((i) => ({ ...i, acknowledged_by: i.acknowledged_by ?? '', resolved_by: i.resolved_by ?? '' })),
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
}

export async function writeIncidentTransitions(store: Store, transitions: IncidentTransition[]): Promise<void> {
  if (transitions.length === 0) return
  await store.client.insert({ table: `${store.database}.incident_transitions`, format: 'JSONEachRow', values: transitions })
}

function select(store: Store, where: string, params: Record<string, unknown>, tail = '', withKeys = false): Promise<Incident[]> {
  return selectLatest(store, 'incidents', `${COLUMNS}${withKeys ? ', keys' : ''}`, where, params, tail, fromRow)
}

export async function getIncident(store: Store, id: string): Promise<Incident | null> {
  return (await select(store, 'id = {id:String}', { id }, 'LIMIT 1', true))[0] ?? null
}

/** Incidents alerts may join or reopen: every unresolved one, plus those resolved since `resolvedSince`. */
export async function activeIncidents(store: Store, resolvedSince: number): Promise<Incident[]> {
  return select(store, ACTIVE_OR_RESOLVED_SINCE, { since: resolvedSince }, '', true)
}

export interface IncidentFilter extends ListFilter {
  detectors?: string[]
}

const listExtra = (f: Pick<IncidentFilter, 'detectors'>) => ({
  where: ["merged_into = ''", f.detectors?.length ? 'hasAny(detectors, {detectors:Array(String)})' : ''],
  params: { detectors: f.detectors ?? [] },
})

/** Incidents seen in [from, to), merged ones left out (their alerts are listed under the incident they joined). */
export async function listIncidents(store: Store, f: IncidentFilter): Promise<{ incidents: Incident[]; total: number; counts: Record<Severity, number> }> {
  const { rows, ...totals } = await listPage(store, 'incidents', f, listExtra(f), (where, params, tail) => select(store, where, params, tail))
  return { incidents: rows, ...totals }
}

/** Every incident listIncidents would page through, in its order, streamed (the CSV export). */
export function incidentRows(store: Store, f: Omit<IncidentFilter, 'limit' | 'offset'>): AsyncGenerator<Incident> {
  return listRows(store, 'incidents', COLUMNS, f, listExtra(f), fromRow)
}

/** Notification attempts recorded for the incident (notify.ts writes them with alert_id = the incident id). */
export async function incidentDeliveries(store: Store, id: string): Promise<IncidentDelivery[]> {
  return (
    await selectRows<{ at: number; target: string; attempt: number; status: number; ok: number; error: string }>(
      store,
      `SELECT toUnixTimestamp64Milli(at) AS at, target, attempt, status, ok, error
            FROM ${store.database}.alert_deliveries WHERE alert_id = {id:String} ORDER BY at, target, attempt`,
      { id },
    )
  ).map((r) => ({ ...r, at: Number(r.at), ok: Number(r.ok) === 1 }))
}

export async function incidentTransitions(store: Store, id: string): Promise<IncidentTransition[]> {
  return (
    await selectRows<Record<string, unknown>>(
      store,
      `SELECT incident_id, toUnixTimestamp64Milli(at) AS at, from_state, to_state, actor, action, note
            FROM ${store.database}.incident_transitions WHERE incident_id = {id:String} ORDER BY at, to_state`,
      { id },
    )
  ).map((r) => ({ ...(r as unknown as IncidentTransition), at: Number(r.at) }))
}
