import { audited, type AuditInput } from '../audit'
import type { Store } from '../clickhouse/client'
import { listTestSources, withTestSourceLock, writeTestSource, type TestSourceInput, type TestSourceKey } from './store'
import type { TestSource } from './types'

type Who = Omit<AuditInput, 'action' | 'subject' | 'before' | 'after'> & { actor: string }

const DAY_MS = 86_400_000
const view = (s: TestSource | undefined) => s && { note: s.note, expires_at: new Date(s.expires_at).toISOString(), updated_by: s.updated_by }
export const sourceName = (s: TestSourceKey) => `${s.tenant_id}/${s.kind}:${s.value}`

async function current(store: Store, k: TestSourceKey, now: number): Promise<TestSource | undefined> {
  return (await listTestSources(store, now, k.tenant_id)).find((s) => s.kind === k.kind && s.value === k.value)
}

/**
 * Declares (or renews) one source of test traffic for `days` days. Under the
 * lock the declaration in force is read, the audit entry (before → after) is
 * written, then the row: the entry's `before` is exactly what this replaced.
 */
export async function declareTestSource(store: Store, input: TestSourceInput, who: Who, now = Date.now()): Promise<TestSource> {
  return withTestSourceLock(async () => {
    const before = await current(store, input, now)
    const after: TestSource = {
      tenant_id: input.tenant_id,
      kind: input.kind,
      value: input.value,
      note: input.note,
      expires_at: now + input.days * DAY_MS,
      updated_at: now,
      updated_by: who.actor,
    }
    await audited(store, { ...who, action: 'test_source.declare', subject: sourceName(input), before: view(before) ?? null, after: view(after) }, () =>
      writeTestSource(store, after, who.actor, now),
    )
    return after
  })
}

/** Ends a declaration before it expires; false when none is in force. */
export async function removeTestSource(store: Store, k: TestSourceKey, who: Who, now = Date.now()): Promise<boolean> {
  return withTestSourceLock(async () => {
    const before = await current(store, k, now)
    if (!before) return false
    await audited(store, { ...who, action: 'test_source.remove', subject: sourceName(k), before: view(before), after: null }, () =>
      writeTestSource(store, { ...k, note: before.note, expires_at: before.expires_at, deleted: true }, who.actor, now),
    )
    return true
  })
}
