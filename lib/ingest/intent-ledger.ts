import type { BatchRange } from './sink'

/**
 * The SQL of the replay ledger: where intents live and how they are written
 * and read (steps 2 and 5 of the delivery guarantee, kafka-ledger.ts; migration 0030). On a single node: ingest_batches, one row
 * per range, read back by its first offset. In cluster mode: ingest_ledger in
 * KeeperMap, one key per topic and partition holding the latest range, which
 * any replica reads consistently; a lookup by key equality goes straight to
 * Keeper. The next owner of a partition only ever asks for the range starting
 * at the committed offset, and a member records a partition's next range only
 * after the previous one was inserted and its commit tried, so the latest range
 * is the one asked for, except after a commit that failed while the member kept
 * the partition: the next range then replaces the uncommitted one, which the
 * next owner cuts afresh (as it does, on either store, for every uncommitted
 * range after the first).
 */
export interface IntentLedger {
  table: string
  /** The row that records `range`. */
  row: (range: BatchRange) => Record<string, string | number>
  insertSettings: Record<string, string | number>
  lookup: (topic: string, partition: number, offset: number) => { query: string; params: Record<string, unknown> }
  /** The range starting at `offset`, from the lookup's rows. */
  rangeOf: (rows: { first: string | number; last: string | number }[], topic: string, partition: number, offset: number) => BatchRange | null
}

const ledgerKey = (topic: string, partition: number) => `${topic}/${partition}`

export function intentLedger(database: string, clustered: boolean): IntentLedger {
  if (!clustered) {
    const table = `${database}.ingest_batches`
    return {
      table,
      row: (r) => ({ src_topic: r.topic, src_partition: r.partition, first_offset: r.firstOffset, last_offset: r.lastOffset }),
      insertSettings: {},
      lookup: (topic, partition, offset) => ({
        query: `SELECT max(last_offset) AS last, any(first_offset) AS first FROM ${table}
                WHERE src_topic = {topic:String} AND src_partition = {partition:UInt16} AND first_offset = {offset:UInt64}
                HAVING count() > 0`,
        params: { topic, partition, offset },
      }),
      rangeOf: (rows, topic, partition, offset) => (rows.length === 0 ? null : { topic, partition, firstOffset: offset, lastOffset: Number(rows[0].last) }),
    }
  }
  const table = `${database}.ingest_ledger`
  return {
    table,
    row: (r) => ({ key: ledgerKey(r.topic, r.partition), first_offset: r.firstOffset, last_offset: r.lastOffset, created_at: Date.now() }),
    // A partition's next range replaces its last one.
    insertSettings: { keeper_map_strict_mode: 0 },
    lookup: (topic, partition) => ({
      query: `SELECT first_offset AS first, last_offset AS last FROM ${table} WHERE key = {key:String}`,
      params: { key: ledgerKey(topic, partition) },
    }),
    rangeOf: (rows, topic, partition, offset) => {
      const r = rows.find((x) => Number(x.first) === offset)
      return r ? { topic, partition, firstOffset: offset, lastOffset: Number(r.last) } : null
    },
  }
}
