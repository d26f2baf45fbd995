import { createHmac } from 'node:crypto'
import type { Severity } from '../detection/types'
import type { NotifyEvent } from './lifecycle'
import type { Alert } from './types'

/**
 * Alert notifications to webhooks: Slack-compatible JSON ({text, blocks}),
 * signed with HMAC-SHA256 over the exact body bytes, delivered by a background
 * queue with exponential backoff. `enqueue` never waits on the network, so a
 * slow or dead receiver cannot hold up detection.
 */

export interface WebhookTarget { url: string; minSeverity: Severity }

export interface WebhookOptions {
  /** Per severity, where to send; a severity with no URL is not sent. */
  urls: Partial<Record<Severity, string>>
  minSeverity: Severity
  secret?: string
  maxAttempts: number
  /** First retry delay; doubles each attempt, with ±20% jitter, capped at maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  timeoutMs?: number
  /** Oldest deliveries are dropped beyond this, with a log line. */
  maxQueue?: number
  /** Link target for the alert in the message, e.g. https://burnrate.example.com */
  publicUrl?: string
  log?: (line: string) => void
  /** Every attempt's outcome, e.g. to record deliveries. */
  onAttempt?: (r: DeliveryAttempt) => void
}

export interface DeliveryAttempt { alertId: string; target: string; attempt: number; status: number; ok: boolean; error: string; at: number }

interface Job { alertId: string; url: string; body: string; attempt: number; dueAt: number }

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }
const EMOJI: Record<Severity, string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' }

export const SIGNATURE_HEADER = 'X-Burnrate-Signature'

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Slack-compatible message; extra `burnrate` field carries the machine-readable alert. */
export function slackPayload(event: NotifyEvent, a: Alert, publicUrl = ''): Record<string, unknown> {
  const verb = { opened: 'New', escalated: 'Escalated', reopened: 'Reopened', resolved: 'Resolved' }[event]
  const text = `${event === 'resolved' ? ':white_check_mark:' : EMOJI[a.severity]} ${verb} ${a.severity} alert: ${a.title}`
  const reasons = (a.evidence as { reasons?: string[] } | null)?.reasons ?? []
  const link = publicUrl ? `<${publicUrl.replace(/\/$/, '')}/alerts/${a.id}|Open in Burnrate>` : `alert id ${a.id}`
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'section', fields: [
        { type: 'mrkdwn', text: `*Detector*\n${a.detector}` }, { type: 'mrkdwn', text: `*Tenant*\n${a.tenant_id}` },
        { type: 'mrkdwn', text: `*Subject*\n${a.subject_kind} ${a.subject}` }, { type: 'mrkdwn', text: `*Score*\n${a.score.toFixed(1)} (peak ${a.peak_score.toFixed(1)})` },
      ] },
      ...(reasons.length ? [{ type: 'section', text: { type: 'mrkdwn', text: reasons.slice(0, 5).map((r) => `• ${r}`).join('\n') } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${link} · first seen ${new Date(a.first_seen).toISOString()}` }] },
    ],
    burnrate: { event, alert: { id: a.id, detector: a.detector, subject: a.subject, subject_kind: a.subject_kind, tenant_id: a.tenant_id, severity: a.severity, state: a.state, score: a.score, first_seen: a.first_seen, last_seen: a.last_seen } },
  }
}

export class WebhookNotifier {
  private queue: Job[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private stopped = false
  private readonly o: Required<Omit<WebhookOptions, 'secret' | 'onAttempt'>> & Pick<WebhookOptions, 'secret' | 'onAttempt'>

  constructor(opts: WebhookOptions) {
    this.o = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, timeoutMs: 10_000, maxQueue: 1_000, publicUrl: '', log: () => {}, ...opts }
  }

  get pending(): number {
    return this.queue.length
  }

  /** Queues a notification if its severity is configured; returns at once. */
  enqueue(event: NotifyEvent, alert: Alert): boolean {
    if (this.stopped || RANK[alert.severity] < RANK[this.o.minSeverity]) return false
    const url = this.o.urls[alert.severity]
    if (!url) return false
    if (this.queue.length >= this.o.maxQueue) {
      const dropped = this.queue.shift()!
      this.o.log(`[alerts] webhook queue full: dropped delivery of alert ${dropped.alertId}`)
    }
    this.queue.push({ alertId: alert.id, url, body: JSON.stringify(slackPayload(event, alert, this.o.publicUrl)), attempt: 0, dueAt: 0 })
    this.schedule(0)
    return true
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.inFlight) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.inFlight = this.drain().finally(() => {
        this.inFlight = null
        const next = Math.min(...this.queue.map((j) => j.dueAt))
        if (Number.isFinite(next)) this.schedule(Math.max(0, next - Date.now()))
      })
    }, delayMs)
    this.timer.unref?.()
  }

  private async drain(): Promise<void> {
    const now = Date.now()
    const due = this.queue.filter((j) => j.dueAt <= now)
    this.queue = this.queue.filter((j) => j.dueAt > now)
    await Promise.all(due.map((j) => this.deliver(j)))
  }

  private async deliver(job: Job): Promise<void> {
    job.attempt += 1
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'burnrate-alerts/1' }
    if (this.o.secret) headers[SIGNATURE_HEADER] = sign(this.o.secret, job.body)
    let status = 0
    let error = ''
    try {
      const res = await fetch(job.url, { method: 'POST', headers, body: job.body, signal: AbortSignal.timeout(this.o.timeoutMs), redirect: 'error' })
      status = res.status
      await res.arrayBuffer().catch(() => undefined)
      if (!res.ok) error = `HTTP ${res.status}`
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
    }
    const ok = error === ''
    const target = new URL(job.url).host
    this.o.onAttempt?.({ alertId: job.alertId, target, attempt: job.attempt, status, ok, error, at: Date.now() })
    if (ok) return
    // 4xx other than 408/429 will not succeed on retry: the payload or URL is wrong.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429
    if (permanent || job.attempt >= this.o.maxAttempts) {
      this.o.log(`[alerts] webhook to ${target} for alert ${job.alertId} failed after ${job.attempt} attempt(s): ${error}`)
      return
    }
    const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (job.attempt - 1))
    job.dueAt = Date.now() + backoff * (0.8 + Math.random() * 0.4)
    this.queue.push(job)
  }

  /** Waits up to `timeoutMs` for queued deliveries (tests, graceful shutdown), then stops. */
  async stop(timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while ((this.queue.length || this.inFlight) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.inFlight
  }

  /** Resolves once nothing is queued or in flight (or after timeoutMs). */
  async idle(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while ((this.queue.length || this.inFlight) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  }
}

/** Targets from configuration: a per-severity URL overrides ALERT_WEBHOOK_URL. */
export function webhookUrls(c: { ALERT_WEBHOOK_URL?: string; ALERT_WEBHOOK_URL_WARNING?: string; ALERT_WEBHOOK_URL_CRITICAL?: string }): Partial<Record<Severity, string>> {
  const out: Partial<Record<Severity, string>> = {}
  if (c.ALERT_WEBHOOK_URL) out.info = c.ALERT_WEBHOOK_URL
  const warning = c.ALERT_WEBHOOK_URL_WARNING ?? c.ALERT_WEBHOOK_URL
  const critical = c.ALERT_WEBHOOK_URL_CRITICAL ?? c.ALERT_WEBHOOK_URL
  if (warning) out.warning = warning
  if (critical) out.critical = critical
  return out
}
