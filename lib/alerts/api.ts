import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { DETECTOR_NAMES, SEVERITIES } from '../detection/types'
import { alertTransitions, getAlert, listAlerts } from './store'
import { ALERT_ACTIONS, ALERT_STATES, type AlertDetailResponse, type AlertListResponse } from './types'
import { offsetLimitFields } from '../paging'
import { epochMs, tenantFilter } from '../time-range'
import { HttpError } from '../errors'
import { recordIdSchema } from '../ids'

/** Query and body schemas of the alert routes, and their handlers' logic (the routes only wire auth and the store). */

export const MAX_ALERT_RANGE_MS = 31 * 86_400_000
const DEFAULT_RANGE_MS = 7 * 86_400_000

/** A comma-separated list of enum values, as a query parameter. */
export const commaList = <T extends readonly [string, ...string[]]>(values: T) =>
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

export const alertListQuery = z.object({
  state: commaList(ALERT_STATES).optional(),
  severity: commaList(SEVERITIES).optional(),
  detector: commaList(DETECTOR_NAMES).optional(),
  tenant: tenantFilter.optional(),
  /** Exact subject (install id, cluster id, cost series), as the alert stores it. */
  subject: z.string().min(1).max(200).optional(),
  /** Alerts of one incident. */
  incident: recordIdSchema.optional(),
  from: epochMs.optional(),
  to: epochMs.optional(),
  ...offsetLimitFields(100, 500),
  sort: z.enum(['last_seen', 'first_seen', 'score', 'severity']).default('last_seen'),
})
export type AlertListQuery = z.infer<typeof alertListQuery>

export function alertRange(q: { from?: number; to?: number }, now: number): { fromMs: number; toMs: number } {
  const toMs = q.to ?? now + 60_000
  const fromMs = q.from ?? toMs - DEFAULT_RANGE_MS
  if (!(fromMs < toMs)) throw new HttpError(400, 'from must be before to')
  if (toMs - fromMs > MAX_ALERT_RANGE_MS) throw new HttpError(400, 'time range is limited to 31 days')
  return { fromMs, toMs }
}

export async function alertListResponse(store: Store, q: AlertListQuery, now: number): Promise<AlertListResponse> {
  const { fromMs, toMs } = alertRange(q, now)
  const r = await listAlerts(store, {
    states: q.state,
    severities: q.severity,
    detectors: q.detector,
    tenant: q.tenant,
    subject: q.subject,
    incident: q.incident,
    fromMs,
    toMs,
    limit: q.limit,
    offset: q.offset,
    sort: q.sort,
  })
  return { alerts: r.alerts.map(({ evidence: _e, ...a }) => a), total: r.total, limit: q.limit, offset: q.offset, from: fromMs, to: toMs, counts: r.counts }
}

export async function alertDetailResponse(store: Store, id: string): Promise<AlertDetailResponse | null> {
  const alert = await getAlert(store, id)
  if (!alert) return null
  return { alert, transitions: await alertTransitions(store, id) }
}

export const alertIdParam = recordIdSchema

export const alertTransitionBody = z
  .object({
    action: z.enum(ALERT_ACTIONS),
    until: epochMs.optional(),
    note: z.string().max(1000).optional(),
  })
  .refine((b) => b.action !== 'snooze' || b.until !== undefined, { message: 'snooze needs until', path: ['until'] })
