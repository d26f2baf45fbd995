import type { Store } from '../clickhouse/client'
import { loadConfig } from '../config'
import { toIpPrefix } from '../events/ip-prefix'
import { peerAddress } from '../auth/peer-address'
import { newRecordId } from '../ids'

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
  /**
   * Client address or prefix; reduced to /24 or /48 here whatever is passed.
   * null/undefined: no client (system actions); anything that is not an
   * address is stored as 'unknown'.
   */
  ipPrefix?: string | null
  at?: number
}

/** What the audit log holds when a request's client address cannot be trusted or read. */
export const UNKNOWN_IP = 'unknown'

function asJson(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Appends one entry to the audit log and returns its id. This alone does not
 * order the entry before a mutation: routes go through `audited()`, which does.
 */
export async function recordAudit(store: Store, entry: AuditInput): Promise<string> {
  const id = newRecordId()
  const prefix = entry.ipPrefix === undefined || entry.ipPrefix === null ? '' : (toIpPrefix(entry.ipPrefix) ?? UNKNOWN_IP)
  await store.client.insert({
    table: `${store.database}.audit_log`,
    values: [
      {
        at: entry.at ?? Date.now(),
        id,
        actor: entry.actor,
        actor_role: entry.actorRole ?? '',
        action: entry.action,
        subject: entry.subject,
        ip_prefix: prefix,
        before: asJson(entry.before),
        after: asJson(entry.after),
      },
    ],
    format: 'JSONEachRow',
  })
  return id
}

/**
 * The client address of a request as a /24 or /48 prefix, or 'unknown'.
 * X-Forwarded-For is only as trustworthy as the proxies that appended to it:
 * with `hops` trusted proxies in front of the app, each appending the address
 * it received the request from, the Nth entry from the right is the client
 * (anything left of it came from the client and may be forged). With 0, the
 * header is client-controlled and ignored, and the client is the TCP peer,
 * which lib/auth/peer-address.ts stamps on each request (unknown when this
 * process does not). X-Real-IP is not read: no proxy hop count covers it.
 */
export function clientIpPrefix(headers: Headers, hops: number): string {
  if (hops <= 0) {
    const peer = peerAddress(headers)
    return (peer && toIpPrefix(peer)) || UNKNOWN_IP
  }
  const chain = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const entry = chain[chain.length - hops]
  return (entry && toIpPrefix(stripPort(entry))) || UNKNOWN_IP
}

/** Proxies may write `1.2.3.4:5678` or `[2001:db8::1]:5678`. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry)
  if (bracketed) return bracketed[1]
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry)
  return v4 ? v4[1] : entry
}

/** `clientIpPrefix` with TRUSTED_PROXY_HOPS from the configuration. */
export function requestIpPrefix(req: Request, hops = loadConfig().TRUSTED_PROXY_HOPS): string {
  return clientIpPrefix(req.headers, hops)
}
