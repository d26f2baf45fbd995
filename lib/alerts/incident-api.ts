import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { DETECTOR_NAMES, SEVERITIES } from '../detection/types'
import { alertRange } from './api'
import { getIncident, incidentDeliveries, incidentTransitions, listIncidents } from './incident-store'
import { alertTransitionsOf } from './store'
import type { IncidentDetailResponse, IncidentListResponse } from './incident-types'
import { orderMembers } from './incidents'
import { alertsOfIncidents } from './store'
import { ALERT_STATES } from './types'
import { offsetLimitFields } from '../paging'
import { epochMs } from '../time-range'
import { recordIdSchema } from '../ids'

/** Query schema of GET /api/incidents and the handlers' logic (routes only wire auth and the store). */

const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(200)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).max(values.length))

export const incidentListQuery = z.object({
  state: list(ALERT_STATES).optional(),
  severity: list(SEVERITIES).optional(),
  /** Incidents with at least one alert of these detectors. */
  detector: list(DETECTOR_NAMES).optional(),
  tenant: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9._:@/+=-]*$/)
    .optional(),
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
