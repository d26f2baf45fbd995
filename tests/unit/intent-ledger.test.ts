import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../lib/clickhouse/migrations'
import type { MigrationContext } from '../../lib/clickhouse/migrations/types'
import { intentLedger } from '../../lib/ingest/intent-ledger'

const ctx = (cluster: string): MigrationContext => ({
  db: 'br',
  onCluster: cluster ? ` ON CLUSTER ${cluster}` : '',
  retentionDays: 90,
  engine: (family, args = '') => (cluster ? `Replicated${family}(${args})` : `${family}(${args})`),
})
const ledgerMigration = MIGRATIONS.find((m) => m.version === 30)!
const range = { topic: 'gateway-events', partition: 7, firstOffset: 1200, lastOffset: 1449 }

describe('replay ledger', () => {
  it('lives in KeeperMap in cluster mode, created on every node with one key per topic and partition', () => {
    const [ddl, ...rest] = ledgerMigration.statements(ctx('prod'))
    expect(rest).toEqual([])
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS br.ingest_ledger ON CLUSTER prod')
    expect(ddl).toMatch(/ENGINE = KeeperMap\('\/burnrate\/br\/ingest_ledger'\) PRIMARY KEY key$/)
    expect(ddl).not.toMatch(/Replicated|TTL/)
  })

  it('adds nothing on a single node, where ingest_batches stays the ledger', () => {
    expect(ledgerMigration.statements(ctx(''))).toEqual([])
    const ledger = intentLedger('br', false)
    expect(ledger.table).toBe('br.ingest_batches')
    expect(ledger.insertSettings).toEqual({})
    expect(ledger.row(range)).toEqual({ src_topic: 'gateway-events', src_partition: 7, first_offset: 1200, last_offset: 1449 })
    const { query, params } = ledger.lookup('gateway-events', 7, 1200)
    expect(query).toContain('FROM br.ingest_batches')
    expect(params).toEqual({ topic: 'gateway-events', partition: 7, offset: 1200 })
    expect(ledger.rangeOf([{ first: '1200', last: '1449' }], 'gateway-events', 7, 1200)).toEqual(range)
    expect(ledger.rangeOf([], 'gateway-events', 7, 1200)).toBeNull()
  })

  it('in cluster mode overwrites the partition key with each range and reads it by key, straight from Keeper', () => {
    const ledger = intentLedger('br', true)
    expect(ledger.table).toBe('br.ingest_ledger')
    expect(ledger.insertSettings).toEqual({ keeper_map_strict_mode: 0 })
    const row = ledger.row(range)
    expect(row).toMatchObject({ key: 'gateway-events/7', first_offset: 1200, last_offset: 1449 })
    expect(ledger.row({ ...range, partition: 8 }).key).not.toBe(row.key)
    const { query, params } = ledger.lookup('gateway-events', 7, 1200)
    // Equality on the primary key is a Keeper lookup, not a scan of the table.
    expect(query).toMatch(/FROM br\.ingest_ledger WHERE key = \{key:String\}$/)
    expect(params).toEqual({ key: 'gateway-events/7' })
    expect(ledger.rangeOf([{ first: 1200, last: 1449 }], 'gateway-events', 7, 1200)).toEqual(range)
    // The partition's latest range starts elsewhere: nothing to replay at this offset.
    expect(ledger.rangeOf([{ first: 1450, last: 1699 }], 'gateway-events', 7, 1200)).toBeNull()
  })
})
