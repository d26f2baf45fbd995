import type { Store } from '../clickhouse/client'
import type { Config } from '../config'
import type { DeliveryAttempt } from './delivery-queue'
import type { IncidentNotification } from './incident-types'
import { PagerDutyNotifier } from './pagerduty'
import { WebhookNotifier, webhookUrls } from './webhooks'

/** Where incident notifications go: Slack-compatible webhooks and PagerDuty, each with its own queue. */
export interface IncidentNotifier {
  enqueue(n: IncidentNotification): void
  idle(timeoutMs?: number): Promise<void>
  stop(timeoutMs?: number): Promise<void>
}

export function fanOut(
  targets: { enqueue(n: IncidentNotification): boolean; idle(t?: number): Promise<void>; stop(t?: number): Promise<void> }[],
): IncidentNotifier {
  return {
    enqueue: (n) => {
      for (const t of targets) t.enqueue(n)
    },
    idle: async (t) => {
      await Promise.all(targets.map((x) => x.idle(t)))
    },
    stop: async (t) => {
      await Promise.all(targets.map((x) => x.stop(t)))
    },
  }
}

/** Every attempt is recorded in alert_deliveries (alert_id = the incident id); failures to record are ignored. */
function recorder(store: Store) {
  return (a: DeliveryAttempt) => {
    void store.client
      .insert({
        table: `${store.database}.alert_deliveries`,
        format: 'JSONEachRow',
        values: [{ alert_id: a.alertId, at: a.at, target: a.target, attempt: a.attempt, status: a.status, ok: a.ok ? 1 : 0, error: a.error.slice(0, 500) }],
      })
      .catch(() => {})
  }
}

/** The configured targets; describe() names them for the startup log without any secret. */
export function notifierFromConfig(store: Store, config: Config, log: (line: string) => void): IncidentNotifier & { describe(): string } {
  const onAttempt = recorder(store)
  const targets = []
  const urls = webhookUrls(config)
  if (Object.keys(urls).length) {
    targets.push(
      new WebhookNotifier({
        urls,
        minSeverity: config.ALERT_WEBHOOK_MIN_SEVERITY,
        secret: config.ALERT_WEBHOOK_SECRET,
        publicUrl: config.ALERT_PUBLIC_URL ?? config.PUBLIC_URL,
        maxAttempts: config.ALERT_WEBHOOK_MAX_ATTEMPTS,
        log,
        onAttempt,
      }),
    )
  }
  if (config.PAGERDUTY_ROUTING_KEY) {
    targets.push(
      new PagerDutyNotifier({
        routingKey: config.PAGERDUTY_ROUTING_KEY,
        eventsUrl: config.PAGERDUTY_EVENTS_URL,
        minSeverity: config.PAGERDUTY_MIN_SEVERITY,
        publicUrl: config.ALERT_PUBLIC_URL ?? config.PUBLIC_URL,
        maxAttempts: config.ALERT_WEBHOOK_MAX_ATTEMPTS,
        log,
        onAttempt,
      }),
    )
  }
  const webhooks = Object.keys(urls).join(', ')
  return {
    ...fanOut(targets),
    describe: () =>
      [webhooks && `webhooks: ${webhooks}`, config.PAGERDUTY_ROUTING_KEY && `PagerDuty: ${new URL(config.PAGERDUTY_EVENTS_URL).host}`]
        .filter(Boolean)
        .join('; ') || 'no notification targets',
  }
}

type Shared = IncidentNotifier & { describe(): string }
// On globalThis: Next.js bundles instrumentation (the detection loop) and route handlers separately.
const KEY = Symbol.for('burnrate.incidentNotifier')
const g = globalThis as typeof globalThis & { [KEY]?: Shared | null }

/**
 * One notifier per process, shared by the detection loop and the incident
 * routes (a user's acknowledge is sent from the process that handled it).
 */
export function sharedNotifier(store: Store, config: Config, log: (line: string) => void = console.log): Shared {
  g[KEY] ??= notifierFromConfig(store, config, log)
  return g[KEY]
}

export async function stopSharedNotifier(): Promise<void> {
  const n = g[KEY]
  g[KEY] = null
  await n?.stop()
}
