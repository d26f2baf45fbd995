import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'

export interface AuditEntry {
  at: number
  id: string
  actor: string
  actorRole: string
  action: string
  subject: string
  ipPrefix: string
  before: unknown
  after: unknown
}

export interface AuditQuery {
  limit?: number
  /** Only entries strictly older than this (ms), for paging back. */
  beforeMs?: number
  sinceMs?: number
  /** Prefix match on action, e.g. 'policy.' */
  action?: string
  actor?: string
}

type Row = {
  at_ms: string | number
  id: string
  actor: string
  actor_role: string
  action: string
  subject: string
  ip_prefix: string
  before: string
  after: string
}

// Not aliased `at`: ClickHouse resolves a SELECT alias in WHERE, which would then compare epoch ms with DateTime64.
const COLUMNS = 'toUnixTimestamp64Milli(at) AS at_ms, id, actor, actor_role, action, subject, ip_prefix, before, after'

function parse(text: string): unknown {
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const toEntry = (r: Row): AuditEntry => ({
  at: Number(r.at_ms),
  id: r.id,
  actor: r.actor,
  actorRole: r.actor_role,
  action: r.action,
  subject: r.subject,
  ipPrefix: r.ip_prefix,
  before: parse(r.before),
  after: parse(r.after),
})

/** Newest first. */
export async function listAudit(store: Store, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const where: string[] = ['1']
  if (q.beforeMs !== undefined) where.push('at < fromUnixTimestamp64Milli({before:Int64})')
  if (q.sinceMs !== undefined) where.push('at >= fromUnixTimestamp64Milli({since:Int64})')
  if (q.action) where.push('startsWith(action, {action:String})')
  if (q.actor) where.push('actor = {actor:String}')
  return (
    await selectRows<Row>(
      store,
      `SELECT ${COLUMNS} FROM ${store.database}.audit_log WHERE ${where.join(' AND ')}
      ORDER BY at DESC, id DESC LIMIT {limit:UInt32}`,
      { before: q.beforeMs ?? 0, since: q.sinceMs ?? 0, action: q.action ?? '', actor: q.actor ?? '', limit: Math.min(q.limit ?? 200, 10_000) },
    )
  ).map(toEntry)
}

/** Position in the log's (at, id) order: export resumes strictly after it. */
export interface AuditCursor {
  at: number
  id: string
}

export const formatCursor = (c: AuditCursor) => `${c.at}_${c.id}`

export function parseCursor(text: string): AuditCursor | null {
  const m = /^(\d{1,15})_([0-9a-f-]{36})$/.exec(text)
  return m ? { at: Number(m[1]), id: m[2] } : null
}

export interface AuditPage {
  entries: AuditEntry[]
  /** Set when entries were left out: pass it back as `after` to continue. */
  next: AuditCursor | null
}

/**
 * Oldest first from `sinceMs` (inclusive) or strictly after `after`, at most
 * `limit` entries. Ordered by the table's own key (at, id), so paging with
 * `next` neither repeats nor skips entries that share a millisecond.
 */
export async function exportAudit(store: Store, q: { sinceMs?: number; after?: AuditCursor; limit: number }): Promise<AuditPage> {
  const where: string[] = ['1']
  if (q.sinceMs !== undefined) where.push('at >= fromUnixTimestamp64Milli({since:Int64})')
  if (q.after) where.push('(at, id) > (fromUnixTimestamp64Milli({afterAt:Int64}), {afterId:String})')
  // One more than asked: its presence is how truncation is known.
  const entries = (
    await selectRows<Row>(
      store,
      `SELECT ${COLUMNS} FROM ${store.database}.audit_log WHERE ${where.join(' AND ')}
      ORDER BY at ASC, id ASC LIMIT {limit:UInt32}`,
      { since: q.sinceMs ?? 0, afterAt: q.after?.at ?? 0, afterId: q.after?.id ?? '', limit: q.limit + 1 },
    )
  ).map(toEntry)
  if (entries.length <= q.limit) return { entries, next: null }
  entries.length = q.limit
  const last = entries[entries.length - 1]
  return { entries, next: { at: last.at, id: last.id } }
}
