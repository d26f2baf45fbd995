import type { Severity } from '../detection/types'
import { DeliveryQueue, type DeliveryOptions } from './delivery-queue'
import { plainText } from './escape'
import type { IncidentEvent, IncidentNotification } from './incident-types'
import { incidentLink } from './webhooks'

/**
 * PagerDuty Events API v2: one PagerDuty incident per Burnrate incident, with
 * `dedup_key` = the incident id. Opened, escalated and reopened send
 * `trigger` (PagerDuty updates the open incident of that key); acknowledged
 * and snoozed send `acknowledge`; resolved sends `resolve`. New alerts joining
 * an incident do not page again. The routing key travels in the body only and
 * is never logged (log lines name the host).
 */

export const DEFAULT_PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue'

export interface PagerDutyOptions extends DeliveryOptions {
  routingKey: string
  eventsUrl?: string
  minSeverity: Severity
  publicUrl?: string
}

type Action = 'trigger' | 'acknowledge' | 'resolve'
const ACTION: Record<IncidentEvent, Action | null> = {
  opened: 'trigger',
  escalated: 'trigger',
  reopened: 'trigger',
  updated: null,
  acknowledged: 'acknowledge',
  snoozed: 'acknowledge',
  resolved: 'resolve',
}
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

export function pagerDutyAction(event: IncidentEvent): Action | null {
  return ACTION[event]
}

/** The Events API v2 body. Every string from the incident is plain text and length-capped (summary ≤ 1024). */
export function pagerDutyEvent(n: IncidentNotification, routingKey: string, publicUrl = ''): Record<string, unknown> | null {
  const action = ACTION[n.event]
  if (!action) return null
  const i = n.incident
  const base = { routing_key: routingKey, event_action: action, dedup_key: i.id }
  if (action !== 'trigger') return base
  return {
    ...base,
    payload: {
      summary: plainText(`[${i.severity}] ${i.title}`, 1024),
      source: plainText(`burnrate/${i.tenant_id}`, 255),
      severity: i.severity === 'critical' ? 'critical' : i.severity === 'warning' ? 'warning' : 'info',
      timestamp: new Date(i.first_seen).toISOString(),
      component: i.detectors.join(','),
      group: plainText(i.tenant_id, 255),
      class: i.detectors[0] ?? 'incident',
      custom_details: {
        tenant: plainText(i.tenant_id, 200),
        state: i.state,
        peak_score: Number(i.score.toFixed(1)),
        alerts: n.alerts.slice(0, 20).map((a) => `${plainText(a.title, 256)} (${a.detector}, ${a.severity}, ${a.state})`),
        alert_count: n.alerts.length,
        note: plainText(n.note, 256),
      },
    },
    ...(publicUrl ? { links: [{ href: incidentLink(publicUrl, i.id), text: 'Open in Burnrate' }] } : {}),
  }
}

export class PagerDutyNotifier {
  private readonly queue: DeliveryQueue
  private readonly url: string

  constructor(private readonly o: PagerDutyOptions) {
    this.url = o.eventsUrl || DEFAULT_PAGERDUTY_EVENTS_URL
    this.queue = new DeliveryQueue(o)
  }

  /** Queues the event for this change, if it maps to one and the severity pages; returns at once. */
  enqueue(n: IncidentNotification): boolean {
    // Acknowledge and resolve always go out: the trigger may have been sent at a higher severity.
    if (ACTION[n.event] === 'trigger' && RANK[n.incident.severity] < RANK[this.o.minSeverity]) return false
    const body = pagerDutyEvent(n, this.o.routingKey, this.o.publicUrl)
    if (!body) return false
    return this.queue.push({
      subjectId: n.incident.id,
      orderKey: n.incident.id,
      url: this.url,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'user-agent': 'burnrate-alerts/1' },
      label: `pagerduty ${new URL(this.url).host}`,
    })
  }

  stop(timeoutMs?: number): Promise<void> {
    return this.queue.stop(timeoutMs)
  }

  idle(timeoutMs?: number): Promise<void> {
    return this.queue.idle(timeoutMs)
  }
}
