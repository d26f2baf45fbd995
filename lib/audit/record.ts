import { randomUUID } from 'node:crypto'
import type { Store } from '../clickhouse/client'
import { toIpPrefix } from '../events/ip-prefix'

export interface AuditInput {
  /** Who: user id, 'system', or 'gateway:<name>'. */
  actor: string
  actorRole?: string
  /** What, dotted: 'auth.signin', 'alert.ack', 'policy.change', 'config.keys.rotate'… */
  action: string
  /** What it was done to: an alert id, a rule key, a policy version. */
  subject: string
  before?: unknown
  after?: unknown
  /** Client address or prefix; reduced to /24 or /48 here whatever is passed. */
  ipPrefix?: string | null
  at?: number
}

function asJson(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Appends one entry to the audit log. Callers await it before answering, so a
 * mutation the store could not audit fails instead of going unrecorded.
 */
export async function recordAudit(store: Store, entry: AuditInput): Promise<void> {
  const prefix = entry.ipPrefix ? toIpPrefix(entry.ipPrefix) ?? '' : ''
  await store.client.insert({
    table: `${store.database}.audit_log`,
    values: [{
      at: entry.at ?? Date.now(),
      id: randomUUID(),
      actor: entry.actor,
      actor_role: entry.actorRole ?? '',
      action: entry.action,
      subject: entry.subject,
      ip_prefix: prefix,
      before: asJson(entry.before),
      after: asJson(entry.after),
    }],
    format: 'JSONEachRow',
  })
}

/** The client address of a request as a prefix: first X-Forwarded-For hop, else X-Real-IP. */
export function requestIpPrefix(req: Request): string | null {
  const forwarded = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
  const raw = forwarded || req.headers.get('x-real-ip')?.trim()
  return raw ? toIpPrefix(raw) : null
}
