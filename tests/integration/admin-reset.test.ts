import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { authenticateLocal, saveUser } from '../../lib/auth/users'
import { rows, storeConfig } from '../helpers/store'

const run = promisify(execFile)

/** `npm run admin:reset-password` as a user runs it, against a data directory no other process holds. */
async function resetAdmin(env: Record<string, string>) {
  const { BURNRATE_ADMIN_PASSWORD: _chosen, ...inherited } = process.env
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/reset-admin.ts'], { env: { ...inherited, ...env }, timeout: 60_000 })
  return stdout
}

describe('admin:reset-password', () => {
  it('gives a disabled admin with a lost password a new one, audited, and nothing else can sign in with the old one', async () => {
    // The CLI opens the store itself: the same server when CLICKHOUSE_URL is set, else this chDB directory.
    const dataDir = mkdtempSync(join(tmpdir(), 'br-admin-reset-'))
    const database = `reset_test_${process.pid}`
    const config = storeConfig(database, dataDir)
    let store = await openStore(config)
    await migrate(store, { retentionDays: 30 })
    await saveUser(store, { userId: 'admin', role: 'viewer', password: 'the-old-password-0', disabled: true })
    await store.close()

    const out = await resetAdmin({ DATA_DIR: dataDir, CLICKHOUSE_DATABASE: database })
    const password = /new password \(shown once, store it now\): (\S+)/.exec(out)?.[1]
    expect(password, out).toBeDefined()

    store = await openStore(config)
    try {
      expect(await authenticateLocal(store, 'admin', password!)).toMatchObject({ userId: 'admin', role: 'admin' })
      expect(await authenticateLocal(store, 'admin', 'the-old-password-0')).toBeNull()
      const audit = await rows<{ actor: string; action: string; subject: string; after: string }>(
        store,
        `SELECT actor, action, subject, after FROM ${database}.audit_log WHERE action LIKE 'auth.user_save%'`,
      )
      expect(audit).toHaveLength(1)
      expect(audit[0]).toMatchObject({ actor: 'cli', action: 'auth.user_save', subject: 'admin' })
      expect(audit[0].after).not.toContain(password!)
    } finally {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` }).catch(() => {})
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
