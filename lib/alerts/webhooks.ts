import { createHmac } from 'node:crypto'
import type { Severity } from '../detection/types'
import { DeliveryQueue, type DeliveryAttempt, type DeliveryOptions } from './delivery-queue'
import { plainText, slackText } from './escape'
import type { IncidentEvent, IncidentNotification } from './incident-types'
import { timestampedSignatureHeaders } from './webhook-signature'

export type { DeliveryAttempt }

/**
 * Incident notifications to webhooks: Slack-compatible JSON ({text, blocks}),
 * one message per incident change (opened, new alert, escalated, acknowledged,
 * snoozed, reopened, resolved), never one per member alert. Signed with
 * HMAC-SHA256 over the exact body bytes; delivered by a background queue with
 * exponential backoff. Every client-derived string goes through slackText.
 */

export interface WebhookOptions extends DeliveryOptions {
  /** Per severity, where to send; a severity with no URL is not sent. */
  urls: Partial<Record<Severity, string>>
  minSeverity: Severity
  secret?: string
  /** Link target in the message, e.g. https://burnrate.example.com */
  publicUrl?: string
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }
const EMOJI: Record<Severity, string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' }
const VERB: Record<IncidentEvent, string> = {
  opened: 'New',
  updated: 'Updated',
  escalated: 'Escalated',
  reopened: 'Reopened',
  acknowledged: 'Acknowledged',
  snoozed: 'Snoozed',
  resolved: 'Resolved',
}

export const SIGNATURE_HEADER = 'X-Burnrate-Signature'

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function incidentLink(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/alerts?incident=${encodeURIComponent(incidentId)}`
}

/** Slack-compatible message; the extra `burnrate` field carries the machine-readable incident. */
export function slackPayload(n: IncidentNotification, publicUrl = ''): Record<string, unknown> {
  const i = n.incident
  const icon = n.event === 'resolved' ? ':white_check_mark:' : EMOJI[i.severity]
  const text = `${icon} ${VERB[n.event]} ${i.severity} incident: ${slackText(i.title)}`
  const lead = n.alerts[0]
  const reasons = ((lead?.evidence as { reasons?: unknown } | null)?.reasons as unknown[] | undefined) ?? []
  const members = n.alerts.slice(0, 8).map((a) => `• ${slackText(a.title, 200)} (${a.detector}, ${a.severity}${a.state === 'resolved' ? ', resolved' : ''})`)
  if (n.alerts.length > 8) members.push(`• … and ${n.alerts.length - 8} more`)
  // The link is ours (the configured public URL and a UUID); the only <…|…> in the message.
  const link = publicUrl ? `<${incidentLink(publicUrl, i.id)}|Open in Burnrate>` : `incident id ${i.id}`
  return {
    text,
    unfurl_links: false,
    unfurl_media: false,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*${n.note ? `\n${slackText(n.note, 300)}` : ''}` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Tenant*\n${slackText(i.tenant_id, 80)}` },
          { type: 'mrkdwn', text: `*State*\n${i.state}` },
          { type: 'mrkdwn', text: `*Detectors*\n${i.detectors.join(', ')}` },
          { type: 'mrkdwn', text: `*Peak score*\n${i.score.toFixed(1)}` },
        ],
      },
      ...(members.length ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Alerts (${n.alerts.length})*\n${members.join('\n')}` } }] : []),
      ...(reasons.length
        ? [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: reasons
                  .slice(0, 5)
                  .map((r) => `• ${slackText(r, 200)}`)
                  .join('\n'),
              },
            },
          ]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${link} · first seen ${new Date(i.first_seen).toISOString()}` }] },
    ],
    burnrate: {
      event: n.event,
      incident: {
        id: i.id,
        tenant_id: plainText(i.tenant_id, 200),
        title: plainText(i.title, 500),
        severity: i.severity,
        state: i.state,
        score: i.score,
        first_seen: i.first_seen,
        last_seen: i.last_seen,
        detectors: i.detectors,
        alert_ids: i.alert_ids,
      },
    },
  }
}

export class WebhookNotifier {
  private readonly queue: DeliveryQueue

  constructor(private readonly o: WebhookOptions) {
    this.queue = new DeliveryQueue(o)
  }

  get pending(): number {
    return this.queue.pending
  }

  /** Queues a message if the incident's severity is configured; returns at once. */
  enqueue(n: IncidentNotification): boolean {
    const severity = n.incident.severity
    if (RANK[severity] < RANK[this.o.minSeverity]) return false
    const url = this.o.urls[severity]
    if (!url) return false
    const body = JSON.stringify(slackPayload(n, this.o.publicUrl))
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'burnrate-alerts/1' }
    const secret = this.o.secret
    if (secret) headers[SIGNATURE_HEADER] = sign(secret, body)
    // Timestamped too, so a receiver can refuse a captured delivery replayed later (issue 18, I1);
    // signed at each attempt, so a retry is not refused as a replay of itself.
    const headersAtSend = secret ? (b: string) => timestampedSignatureHeaders(secret, b) : undefined
    return this.queue.push({
      subjectId: n.incident.id,
      orderKey: `${url}\u0000${n.incident.id}`,
      url,
      body,
      headers,
      headersAtSend,
      label: `webhook ${new URL(url).host}`,
    })
  }

  stop(timeoutMs?: number): Promise<void> {
    return this.queue.stop(timeoutMs)
  }

  idle(timeoutMs?: number): Promise<void> {
    return this.queue.idle(timeoutMs)
  }
}

/** Targets from configuration: a per-severity URL overrides ALERT_WEBHOOK_URL. */
export function webhookUrls(c: {
  ALERT_WEBHOOK_URL?: string
  ALERT_WEBHOOK_URL_WARNING?: string
  ALERT_WEBHOOK_URL_CRITICAL?: string
}): Partial<Record<Severity, string>> {
  const out: Partial<Record<Severity, string>> = {}
  if (c.ALERT_WEBHOOK_URL) out.info = c.ALERT_WEBHOOK_URL
  const warning = c.ALERT_WEBHOOK_URL_WARNING ?? c.ALERT_WEBHOOK_URL
  const critical = c.ALERT_WEBHOOK_URL_CRITICAL ?? c.ALERT_WEBHOOK_URL
  if (warning) out.warning = warning
  if (critical) out.critical = critical
  return out
}
