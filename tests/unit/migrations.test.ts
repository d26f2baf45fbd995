import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../lib/clickhouse/migrations'
import type { MigrationContext } from '../../lib/clickhouse/migrations/types'

const ctx = (cluster: string): MigrationContext => ({
  db: 'br',
  onCluster: cluster ? ` ON CLUSTER ${cluster}` : '',
  retentionDays: 45,
  engine: (family, args = '') => (cluster ? `Replicated${family}(${args})` : `${family}(${args})`),
})

describe('migrations', () => {
  it('are numbered uniquely and in increasing order', () => {
    const versions = MIGRATIONS.map((m) => m.version)
    expect(new Set(versions).size).toBe(versions.length)
    expect([...versions].sort((a, b) => a - b)).toEqual(versions)
  })

  it('emit ON CLUSTER and Replicated engines in cluster mode, neither on a single node', () => {
    for (const m of MIGRATIONS) {
      for (const sql of m.statements(ctx('prod'))) {
        if (/^\s*CREATE (TABLE|MATERIALIZED VIEW)/.test(sql)) expect(sql, m.name).toContain('ON CLUSTER prod')
        // KeeperMap is shared by every replica through Keeper (0030), so it has no Replicated variant.
        for (const engine of sql.match(/ENGINE = \w+/g) ?? []) expect(engine, m.name).toMatch(/ENGINE = (Replicated|KeeperMap)/)
      }
      for (const sql of m.statements(ctx(''))) {
        expect(sql).not.toContain('ON CLUSTER')
        expect(sql).not.toContain('Replicated')
      }
    }
  })

  it('apply the configured retention to raw events and dead letters', () => {
    const sql = MIGRATIONS[0].statements(ctx('')).join('\n')
    expect(sql.match(/INTERVAL 45 DAY/g)?.length).toBeGreaterThanOrEqual(2)
  })

  it('never create a column for prompt or response text', () => {
    const all = MIGRATIONS.flatMap((m) => m.statements(ctx(''))).join('\n')
    expect(all).not.toMatch(/\b(prompt|response|completion)_?text\b|\bprompt String\b|\bmessages\b/i)
  })
})
