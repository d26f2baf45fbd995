import type { Store } from '../clickhouse/client'

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

function parse(text: string): unknown {
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Newest first. */
export async function listAudit(store: Store, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const where: string[] = ['1']
  if (q.beforeMs !== undefined) where.push('at < fromUnixTimestamp64Milli({before:Int64})')
  if (q.sinceMs !== undefined) where.push('at >= fromUnixTimestamp64Milli({since:Int64})')
  if (q.action) where.push('startsWith(action, {action:String})')
  if (q.actor) where.push('actor = {actor:String}')
  const rs = await store.client.query({
    query: `SELECT toUnixTimestamp64Milli(at) AS at, id, actor, actor_role, action, subject, ip_prefix, before, after
      FROM ${store.database}.audit_log WHERE ${where.join(' AND ')}
      ORDER BY at DESC, id DESC LIMIT {limit:UInt32}`,
    query_params: { before: q.beforeMs ?? 0, since: q.sinceMs ?? 0, action: q.action ?? '', actor: q.actor ?? '', limit: Math.min(q.limit ?? 200, 10_000) },
    format: 'JSONEachRow',
  })
  const rows = await rs.json<{ at: string | number; id: string; actor: string; actor_role: string; action: string; subject: string; ip_prefix: string; before: string; after: string }>()
  return rows.map((r) => ({
    at: Number(r.at), id: r.id, actor: r.actor, actorRole: r.actor_role, action: r.action, subject: r.subject,
    ipPrefix: r.ip_prefix, before: parse(r.before), after: parse(r.after),
  }))
}
