/**
 * The one declaration of the events table's columns that ingest writes: name,
 * ClickHouse type as `system.columns` reports it, and Native wire kind (how
 * native-block.ts encodes it). `EventRow`, the insert column list and the
 * Native block filler are derived from it; tests/integration/event-columns.test.ts
 * checks it against `system.columns` of a migrated store (migrations 0001 and
 * 0006 created those columns and stay as they are).
 *
 * Order is insert order and table order. `ingested_at` is not here: the table
 * fills it (DEFAULT now64(3)). A new column is added here and by a migration;
 * the test fails until both agree.
 */

/** How a value travels in a Native block: LowCardinality columns travel as String (ClickHouse converts them). */
export type NativeKind = 'string' | 'u16' | 'u32' | 'u64' | 'datetime64' | 'strings'

/** The JS value of each kind: DateTime64(3) as milliseconds since the epoch, integers up to 2^53. */
interface KindValue {
  string: string
  u16: number
  u32: number
  u64: number
  datetime64: number
  strings: string[]
}

export const COST_SOURCES = ['gateway', 'catalog', 'unpriced', 'none'] as const

const LC = 'LowCardinality(String)'

/** [name, ClickHouse type, Native kind, and for a closed set of strings its values]. */
export const EVENT_COLUMNS = [
  ['ts', "DateTime64(3, 'UTC')", 'datetime64'],
  ['event_id', 'String', 'string'],
  ['type', LC, 'string'],
  ['tenant_id', LC, 'string'],
  ['install_id', 'String', 'string'],
  ['app_id', LC, 'string'],
  ['app_version', LC, 'string'],
  ['platform', LC, 'string'],
  ['device_model', LC, 'string'],
  ['os_version', LC, 'string'],
  ['device_fingerprint', 'String', 'string'],
  ['ip_prefix', LC, 'string'],
  ['asn', 'UInt32', 'u32'],
  ['country', LC, 'string'],
  ['feature', LC, 'string'],
  ['model', LC, 'string'],
  ['prompt_tokens', 'UInt32', 'u32'],
  ['completion_tokens', 'UInt32', 'u32'],
  ['context_tokens', 'UInt32', 'u32'],
  ['prompt_bytes', 'UInt32', 'u32'],
  ['cost_micros', 'UInt64', 'u64'],
  ['cost_source', LC, 'string', COST_SOURCES],
  ['outcome', LC, 'string'],
  ['latency_ms', 'UInt32', 'u32'],
  ['stream_id', 'String', 'string'],
  ['transport', LC, 'string'],
  ['duration_ms', 'UInt32', 'u32'],
  ['ttft_ms', 'UInt32', 'u32'],
  ['end_reason', LC, 'string'],
  ['verdict', LC, 'string'],
  ['reasons', 'Array(LowCardinality(String))', 'strings'],
  ['policy_version', 'UInt64', 'u64'],
  ['rule_id', LC, 'string'],
  ['rule_kind', LC, 'string'],
  ['gateway_id', LC, 'string'],
  ['src_topic', LC, 'string'],
  ['src_partition', 'UInt16', 'u16'],
  ['src_offset', 'UInt64', 'u64'],
] as const satisfies readonly (readonly [string, string, NativeKind] | readonly [string, string, 'string', readonly string[]])[]

type Column = (typeof EVENT_COLUMNS)[number]

/** One stored event: a property per column, typed by its kind (or its closed set of values). */
export type EventRow = {
  [C in Column as C[0]]: C extends readonly [string, string, 'string', readonly (infer V)[]] ? V : KindValue[C[2]]
}

/** Column names in insert order. */
export const EVENT_COLUMN_NAMES: readonly (keyof EventRow)[] = EVENT_COLUMNS.map((c) => c[0])
