import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { DETECTOR_NAMES, SEVERITIES } from '../detection/types'
import { alertRange, commaList } from './api'
import { getIncident, incidentDeliveries, incidentRows, incidentTransitions, listIncidents } from './incident-store'
import { alertTransitionsOf } from './store'
import type { Incident, IncidentDetailResponse, IncidentListResponse } from './incident-types'
import { orderMembers } from './incidents'
import { alertsOfIncidents } from './store'
import { ALERT_STATES } from './types'
import { offsetLimitFields } from '../paging'
import { epochMs, tenantFilter } from '../time-range'
import { recordIdSchema } from '../ids'

/** Query schema of GET /api/incidents and the handlers' logic (routes only wire auth and the store). */

export const incidentListQuery = z.object({
  state: commaList(ALERT_STATES).optional(),
  severity: commaList(SEVERITIES).optional(),
  /** Incidents with at least one alert of these detectors. */
  detector: commaList(DETECTOR_NAMES).optional(),
  tenant: tenantFilter.optional(),
  from: epochMs.optional(),
  to: epochMs.optional(),
  ...offsetLimitFields(50, 200),
  sort: z.enum(['last_seen', 'first_seen', 'score', 'severity']).default('severity'),
})
export type IncidentListQuery = z.infer<typeof incidentListQuery>

export const incidentIdParam = recordIdSchema

export async function incidentListResponse(store: Store, q: IncidentListQuery, now: number): Promise<IncidentListResponse> {
  const { fromMs, toMs } = alertRange(q, now)
  const r = await listIncidents(store, {
    states: q.state,
    severities: q.severity,
    detectors: q.detector,
    tenant: q.tenant,
    fromMs,
    toMs,
    limit: q.limit,
    offset: q.offset,
    sort: q.sort,
  })
  const alerts = await alertsOfIncidents(
    store,
    r.incidents.map((i) => i.id),
  )
  const incidents = r.incidents.map(({ keys: _k, ...i }) => ({
    ...i,
    alerts: orderMembers(alerts.filter((a) => a.incident_id === i.id)).map(({ evidence: _e, ...a }) => a),
  }))
  return { incidents, total: r.total, limit: q.limit, offset: q.offset, from: fromMs, to: toMs, counts: r.counts }
}

/** Every incident the list would page through with the same query, in its order, streamed (the CSV export). */
export function incidentExportRows(store: Store, q: IncidentListQuery, now: number): { fromMs: number; toMs: number; rows: AsyncGenerator<Incident> } {
  const { fromMs, toMs } = alertRange(q, now)
  const rows = incidentRows(store, { states: q.state, severities: q.severity, detectors: q.detector, tenant: q.tenant, fromMs, toMs, sort: q.sort })
  return { fromMs, toMs, rows }
}

export async function incidentDetailResponse(store: Store, id: string): Promise<IncidentDetailResponse | null> {
  const incident = await getIncident(store, id)
  if (!incident) return null
  const alerts = orderMembers(await alertsOfIncidents(store, [id], true))
  const { keys: _k, ...summary } = incident
  return {
    incident: summary,
    alerts,
    transitions: await incidentTransitions(store, id),
    alert_transitions: await alertTransitionsOf(
      store,
      alerts.map((a) => a.id),
    ),
    deliveries: await incidentDeliveries(store, id),
  }
}
