import type { Store } from '../clickhouse/client'
import { recordAudit, type AuditInput } from './record'

/**
 * Runs a mutation behind its audit entry: the entry is written first, and if
 * that write fails the mutation is never started, so no change made through
 * here exists without an entry. The converse does not hold: an entry records
 * an authorised attempt. If `mutate` then throws, a follow-up entry
 * `<action>.failed` naming the first entry's id is appended (best effort:
 * when the store itself is down that write fails too, and the resource's own
 * log — policy log, alert transitions — says whether the change happened).
 * Nothing is written on success: the first entry already says what was asked.
 */
export async function audited<T>(store: Store, entry: AuditInput, mutate: () => Promise<T>): Promise<T> {
  const intent = await recordAudit(store, entry)
  try {
    return await mutate()
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err)
    await recordAudit(store, {
      actor: entry.actor,
      actorRole: entry.actorRole,
      action: `${entry.action}.failed`,
      subject: entry.subject,
      ipPrefix: entry.ipPrefix,
      after: { intent, error: error.slice(0, 500) },
    }).catch((auditErr: unknown) =>
      console.error(`[audit] could not record failure of ${intent} (${entry.action}): ${auditErr instanceof Error ? auditErr.message : auditErr}`),
    )
    throw err
  }
}
