import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordAudit } from '../../lib/audit'
import { rows, testStore } from '../helpers/store'

// Real chDB: the TTL is the store's, applied when parts merge.
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('audit_retention')
})
afterAll(async () => {
  await store?.drop()
})

const DAY = 86_400_000

describe('audit log retention', () => {
  it('drops failed sign-ins older than 30 days and keeps every other entry, however old', async () => {
    const now = Date.now()
    const old = now - 400 * DAY
    const entries = [
      { action: 'auth.signin_failed', at: old, subject: 'random-1' },
      { action: 'auth.signin_failed', at: now - 31 * DAY, subject: 'random-2' },
      { action: 'auth.signin_failed', at: now - 2 * DAY, subject: 'recent' },
      { action: 'policy.change', at: old, subject: 'tenant:acme' },
      { action: 'auth.user_save', at: old, subject: 'alice' },
      { action: 'auth.signin', at: old, subject: 'alice' },
      { action: 'audit.export', at: now - 31 * DAY, subject: 'audit_log' },
    ]
    for (const e of entries) await recordAudit(store, { actor: 'x', action: e.action, subject: e.subject, at: e.at })
    // Merging applies the TTL now rather than whenever the background merge runs.
    await store.client.command({ query: `OPTIMIZE TABLE ${store.database}.audit_log FINAL` })
    const left = await rows<{ action: string; subject: string }>(store, `SELECT action, subject FROM ${store.database}.audit_log ORDER BY action, subject`)
    expect(left).toEqual([
      { action: 'audit.export', subject: 'audit_log' },
      { action: 'auth.signin', subject: 'alice' },
      { action: 'auth.signin_failed', subject: 'recent' },
      { action: 'auth.user_save', subject: 'alice' },
      { action: 'policy.change', subject: 'tenant:acme' },
    ])
  })
})
