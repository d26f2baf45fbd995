import type { Store } from './client'
import { MIGRATIONS } from './migrations'
import type { Migration, MigrationContext } from './migrations/types'
import { applyRetention } from './retention'

export interface MigrateResult {
  applied: { version: number; name: string }[]
  current: number
  /** Tables whose TTL was changed to the configured retention at this start. */
  retention: string[]
}

function context(store: Store, retentionDays: number): MigrationContext {
  const onCluster = store.cluster ? ` ON CLUSTER ${store.cluster}` : ''
  return {
    db: store.database,
    onCluster,
    retentionDays,
    engine: (family, args = '') => (store.cluster ? `Replicated${family}(${args})` : `${family}(${args})`),
  }
}

/**
 * Applies pending migrations in order and records each one, then brings the
 * TTL of every retention table to `retentionDays` (retention.ts). Statements use
 * IF NOT EXISTS so that two processes starting at once, or a run that died
 * half-way through a migration, converge on the same schema.
 */
export async function migrate(store: Store, opts: { retentionDays: number; migrations?: Migration[]; log?: (line: string) => void }): Promise<MigrateResult> {
  const { client, database } = store
  const ctx = context(store, opts.retentionDays)
  const log = opts.log ?? (() => {})
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}${ctx.onCluster}` })
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations${ctx.onCluster} (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ${ctx.engine('ReplacingMergeTree', 'applied_at')} ORDER BY version`,
  })
  const rows = await (
    await client.query({ query: `SELECT DISTINCT version FROM ${database}.schema_migrations`, format: 'JSONEachRow' })
  ).json<{ version: number }>()
  const done = new Set(rows.map((r) => Number(r.version)))
  const applied: MigrateResult['applied'] = []
  const migrations = [...(opts.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version)
  for (const m of migrations) {
    if (done.has(m.version)) continue
    log(`migrating ${String(m.version).padStart(4, '0')} ${m.name}`)
    for (const statement of m.statements(ctx)) await client.command({ query: statement })
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    })
    applied.push({ version: m.version, name: m.name })
  }
  const current = Math.max(0, ...done, ...applied.map((a) => a.version))
  const retention = await applyRetention(store, { retentionDays: opts.retentionDays, migrations, onCluster: ctx.onCluster })
  if (retention.length > 0) log(`retention: TTL of ${retention.join(', ')} set to ${opts.retentionDays} days`)
  return { applied, current, retention }
}
