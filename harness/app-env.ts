import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Sets the environment for calling route handlers in-process on the app's
 * runtime: a fresh chDB directory and database, no ingest, no detector loop,
 * no policy topic, and a local admin. Call it before the first dynamic import
 * of an app route or of lib/runtime/app-runtime (they read it on first use).
 */
export function embeddedAppEnv(name: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    DATA_DIR: mkdtempSync(join(tmpdir(), `br-${name}-`)),
    CLICKHOUSE_DATABASE: `${name.replace(/\W/g, '_')}_${process.pid}`,
    INGEST_SOURCE: 'none',
    DETECT_ENABLED: '0',
    BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
    POLICY_KAFKA: '0',
    ...extra,
  })
  delete process.env.CLICKHOUSE_URL
}
