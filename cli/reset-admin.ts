import { audited } from '../lib/audit'
import { openStore } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { loadConfig } from '../lib/config'
import { generatePassword } from '../lib/auth/passwords'
import { saveUser } from '../lib/auth/users'

/**
 * `npm run admin:reset-password`: the way back in when the one-time admin
 * password was lost. Sets a new password for the local `admin` (from
 * BURNRATE_ADMIN_PASSWORD, else generated and printed once), re-enables the
 * account and makes it an admin again, audited as actor `cli`. It opens the
 * store itself, so in the embedded default the app must be stopped first: a
 * chDB data directory has one owning process.
 */
async function main() {
  const config = loadConfig()
  const store = await openStore(config)
  try {
    await migrate(store, { retentionDays: config.RETENTION_DAYS })
    const fromEnv = config.BURNRATE_ADMIN_PASSWORD
    const password = fromEnv || generatePassword()
    await audited(
      store,
      {
        actor: 'cli',
        action: 'auth.user_save',
        subject: 'admin',
        after: { userId: 'admin', role: 'admin', disabled: false, passwordChanged: true, via: 'admin:reset-password' },
      },
      () => saveUser(store, { userId: 'admin', role: 'admin', password, disabled: false }),
    )
    console.log(
      fromEnv
        ? 'admin password set from BURNRATE_ADMIN_PASSWORD; the account is enabled'
        : `admin password reset; new password (shown once, store it now): ${password}`,
    )
  } finally {
    await store.close()
  }
}

main().catch((err) => {
  const message = err instanceof Error ? err.message : String(err)
  const busy = /Failed to create connection|Cannot lock file/.test(message)
  console.error(`admin:reset-password failed: ${message}${busy ? ' (the data directory is in use: stop `npm start` first)' : ''}`)
  process.exit(1)
})
