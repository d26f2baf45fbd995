import type { Store } from '../clickhouse/client'
import type { PreparedBatch } from './prepare'
import type { DeadLetterRow, EventRow } from './types'

export interface BatchRange {
  topic: string
  partition: number
  firstOffset: number
  lastOffset: number
}

export const batchToken = (r: BatchRange) => `${r.topic}:${r.partition}:${r.firstOffset}-${r.lastOffset}`

/** Columns of the events table that ingest writes, in the order encodeRows emits them. */
export const EVENT_COLUMNS = [
  'ts', 'event_id', 'type', 'tenant_id', 'install_id', 'app_id', 'app_version', 'platform', 'device_model',
  'os_version', 'device_fingerprint', 'ip_prefix', 'asn', 'country', 'feature', 'model', 'prompt_tokens',
  'completion_tokens', 'context_tokens', 'prompt_bytes', 'cost_micros', 'cost_source', 'outcome', 'latency_ms',
  'stream_id', 'transport', 'duration_ms', 'ttft_ms', 'end_reason', 'verdict', 'reasons', 'policy_version',
  'rule_id', 'rule_kind', 'gateway_id', 'src_topic', 'src_partition', 'src_offset',
] as const satisfies readonly (keyof EventRow)[]

const DEAD_LETTER_COLUMNS = [
  'received_at', 'src_topic', 'src_partition', 'src_offset', 'message_key', 'reason', 'error', 'payload', 'payload_bytes',
] as const satisfies readonly (keyof DeadLetterRow)[]

/**
 * Rows → JSONCompactEachRow body: one JSON array per row, columns in
 * EVENT_COLUMNS order. Against JSONEachRow it is 2–3× cheaper to build (V8's
 * array stringify fast path, no keys), 2.5× smaller, and ClickHouse parses it
 * without matching keys to columns. JSON keeps escaping exact for any string.
 */
export function rowValues(r: EventRow): unknown[] {
  return [
    r.ts, r.event_id, r.type, r.tenant_id, r.install_id, r.app_id, r.app_version, r.platform, r.device_model,
    r.os_version, r.device_fingerprint, r.ip_prefix, r.asn, r.country, r.feature, r.model, r.prompt_tokens,
    r.completion_tokens, r.context_tokens, r.prompt_bytes, r.cost_micros, r.cost_source, r.outcome, r.latency_ms,
    r.stream_id, r.transport, r.duration_ms, r.ttft_ms, r.end_reason, r.verdict, r.reasons, r.policy_version,
    r.rule_id, r.rule_kind, r.gateway_id, r.src_topic, r.src_partition, r.src_offset,
  ]
}

export function encodeRows(rows: readonly EventRow[]): Buffer {
  const lines = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i++) lines[i] = JSON.stringify(rowValues(rows[i]))
  return Buffer.from(lines.join('\n'), 'utf8')
}

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
      // One part per insert keeps the token → block mapping stable across retries.
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
      if (this.store.rawInsert) {
        await this.store.rawInsert({ table, columns: EVENT_COLUMNS, format: 'JSONCompactEachRow', body: encodeRows(batch.rows), settings })
      } else {
        await this.store.client.insert({
          table, columns: [...EVENT_COLUMNS] as [string, ...string[]], values: batch.rows.map(rowValues),
          format: 'JSONCompactEachRow', clickhouse_settings: settings,
        })
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

  /** Remembers the range about to be inserted, before the insert. */
  async recordIntent(range: BatchRange): Promise<void> {
    await this.store.client.insert({
      table: this.table('ingest_batches'),
      values: [{ src_topic: range.topic, src_partition: range.partition, first_offset: range.firstOffset, last_offset: range.lastOffset }],
      format: 'JSONEachRow',
    })
  }

  /** The range a previous owner of this partition started at `offset`, if any. */
  async intentAt(topic: string, partition: number, offset: number): Promise<BatchRange | null> {
    const result = await this.store.client.query({
      query: `SELECT max(last_offset) AS last FROM ${this.table('ingest_batches')}
              WHERE src_topic = {topic:String} AND src_partition = {partition:UInt16} AND first_offset = {offset:UInt64}
              HAVING count() > 0`,
      query_params: { topic, partition, offset },
      format: 'JSONEachRow',
    })
    const rows = await result.json<{ last: string | number }>()
    if (rows.length === 0) return null
    return { topic, partition, firstOffset: offset, lastOffset: Number(rows[0].last) }
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
