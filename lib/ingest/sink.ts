import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { EVENT_COLUMN_NAMES } from './event-columns'
import { encodeNativeBlock } from './native-block'
import type { PreparedBatch } from './prepare'
import type { DeadLetterRow } from './types'

export interface BatchRange {
  topic: string
  partition: number
  firstOffset: number
  lastOffset: number
}

export const batchToken = (r: BatchRange) => `${r.topic}:${r.partition}:${r.firstOffset}-${r.lastOffset}`

const DEAD_LETTER_COLUMNS = [
  'received_at',
  'src_topic',
  'src_partition',
  'src_offset',
  'message_key',
  'reason',
  'error',
  'payload',
  'payload_bytes',
] as const satisfies readonly (keyof DeadLetterRow)[]

/**
 * Writes prepared batches to ClickHouse. Each insert carries a deduplication
 * token derived from the source offsets, so inserting the same offset range
 * twice (a retry after a timeout, or a replay after a crash) stores it once,
 * in the raw table and in every rollup fed by it.
 */
export class ClickHouseSink {
  constructor(private readonly store: Store) {}

  private table(name: string) {
    return `${this.store.database}.${name}`
  }

  private settings(token: string) {
    return {
      insert_deduplicate: 1,
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: 1,
      // One part per insert keeps the token → block mapping stable across
      // retries: parsed formats are cut at max_insert_block_size, and the
      // embedded path's INSERT … SELECT passes on the one Native block it reads.
      max_insert_block_size: '10000000',
      async_insert: 0,
      // Each block is already free of duplicate rows (recent event ids are
      // dead-lettered, views GROUP BY their block): merging it again at insert
      // time only costs CPU. Replacing/Aggregating merges still run later.
      optimize_on_insert: 0,
    } as const
  }

  async write(batch: PreparedBatch, range: BatchRange): Promise<void> {
    const token = batchToken(range)
    if (batch.rows.length > 0) {
      const table = this.table('events')
      const settings = this.settings(`${token}:events`)
      if (this.store.insertNative) {
        await this.store.insertNative({ table, columns: EVENT_COLUMN_NAMES, body: encodeNativeBlock(batch.rows), settings })
      } else {
        // Row objects carry exactly the column names, so JSONEachRow needs no column list.
        await this.store.client.insert({ table, values: batch.rows, format: 'JSONEachRow', clickhouse_settings: settings })
      }
    }
    if (batch.deadLetters.length > 0) {
      const table = this.table('dead_letters')
      const settings = this.settings(`${token}:dead`)
      if (this.store.rawInsert) {
        const body = Buffer.from(batch.deadLetters.map((d) => JSON.stringify(d)).join('\n'), 'utf8')
        await this.store.rawInsert({ table, columns: DEAD_LETTER_COLUMNS, format: 'JSONEachRow', body, settings })
      } else {
        await this.store.client.insert({ table, values: batch.deadLetters, format: 'JSONEachRow', clickhouse_settings: settings })
      }
    }
  }

  /**
   * Event ids stored from offsets [fromOffset, belowOffset) of a partition, any
   * copy (not FINAL). A minmax index on src_offset (migration 0009) skips the
   * granules of older data, so this reads about the recent parts only.
   */
  async storedEventIds(topic: string, partition: number, fromOffset: number, belowOffset: number): Promise<string[]> {
    if (belowOffset <= fromOffset) return []
    const rows = await selectRows<{ event_id: string }>(
      this.store,
      `SELECT event_id FROM ${this.table('events')}
       WHERE src_topic = {topic:String} AND src_partition = {partition:UInt16}
         AND src_offset >= {from:UInt64} AND src_offset < {below:UInt64}`,
      { topic, partition, from: fromOffset, below: belowOffset },
    )
    return rows.map((r) => r.event_id)
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.store.client.ping()
      return res.success
    } catch {
      return false
    }
  }
}
