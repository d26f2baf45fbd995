import type { EventRow } from './types'

/**
 * Rows → one block in ClickHouse's Native format: column by column, each
 * value in its binary form. ClickHouse reads it without parsing text, which
 * on this pipeline cut the engine's insert time roughly in half against
 * JSONCompactEachRow (docs/benchmarks.md, "Where the insert time goes").
 *
 * Layout (Native without block info, as `file(…, Native)` and HTTP
 * `FORMAT Native` read it): VarUInt columns, VarUInt rows, then per column
 * its name, its type name, and its values. Strings are VarUInt byte length +
 * UTF-8 bytes; integers little-endian; DateTime64(3) an Int64 of
 * milliseconds; Array(String) the cumulative end offsets (UInt64) of every
 * row, then all elements as strings. LowCardinality columns are sent as
 * String: ClickHouse converts them on insert, and the Native form of
 * LowCardinality (shared dictionaries) would cost more here than it saves.
 */

type Kind = 'string' | 'u16' | 'u32' | 'u64' | 'datetime64' | 'strings'

const NATIVE_TYPE: Record<Kind, string> = {
  string: 'String',
  u16: 'UInt16',
  u32: 'UInt32',
  u64: 'UInt64',
  datetime64: "DateTime64(3, 'UTC')",
  strings: 'Array(String)',
}

type NumberKind = 'u16' | 'u32' | 'u64' | 'datetime64'
type Column =
  | { name: keyof EventRow; kind: 'string'; get: (r: EventRow) => string }
  | { name: keyof EventRow; kind: NumberKind; get: (r: EventRow) => number }
  | { name: keyof EventRow; kind: 'strings'; get: (r: EventRow) => string[] }

// Plain property reads, one per column: a keyed read (row[name]) across 38
// names is megamorphic and cost as much as the rest of the encoding.
const str = (name: keyof EventRow, get: (r: EventRow) => string): Column => ({ name, kind: 'string', get })
const num = (name: keyof EventRow, kind: NumberKind, get: (r: EventRow) => number): Column => ({ name, kind, get })

/** Every column ingest writes, in insert order, with its wire kind. */
export const EVENT_COLUMNS: readonly Column[] = [
  num('ts', 'datetime64', (r) => r.ts), str('event_id', (r) => r.event_id), str('type', (r) => r.type),
  str('tenant_id', (r) => r.tenant_id), str('install_id', (r) => r.install_id), str('app_id', (r) => r.app_id),
  str('app_version', (r) => r.app_version), str('platform', (r) => r.platform),
  str('device_model', (r) => r.device_model), str('os_version', (r) => r.os_version),
  str('device_fingerprint', (r) => r.device_fingerprint), str('ip_prefix', (r) => r.ip_prefix),
  num('asn', 'u32', (r) => r.asn), str('country', (r) => r.country), str('feature', (r) => r.feature),
  str('model', (r) => r.model), num('prompt_tokens', 'u32', (r) => r.prompt_tokens),
  num('completion_tokens', 'u32', (r) => r.completion_tokens), num('context_tokens', 'u32', (r) => r.context_tokens),
  num('prompt_bytes', 'u32', (r) => r.prompt_bytes), num('cost_micros', 'u64', (r) => r.cost_micros),
  str('cost_source', (r) => r.cost_source), str('outcome', (r) => r.outcome),
  num('latency_ms', 'u32', (r) => r.latency_ms), str('stream_id', (r) => r.stream_id),
  str('transport', (r) => r.transport), num('duration_ms', 'u32', (r) => r.duration_ms),
  num('ttft_ms', 'u32', (r) => r.ttft_ms), str('end_reason', (r) => r.end_reason), str('verdict', (r) => r.verdict),
  { name: 'reasons', kind: 'strings', get: (r) => r.reasons }, num('policy_version', 'u64', (r) => r.policy_version),
  str('rule_id', (r) => r.rule_id), str('rule_kind', (r) => r.rule_kind), str('gateway_id', (r) => r.gateway_id),
  str('src_topic', (r) => r.src_topic), num('src_partition', 'u16', (r) => r.src_partition),
  num('src_offset', 'u64', (r) => r.src_offset),
]

const TWO_32 = 2 ** 32

/** A byte buffer that grows by doubling; values are written at `pos`. */
class BlockWriter {
  buf: Buffer
  pos = 0

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, initialBytes))
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + bytes) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  varUInt(value: number): void {
    this.ensure(10)
    let v = value
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.pos++] = v
  }

  string(value: string): void {
    const length = value.length
    // ASCII shorter than 128 bytes (ids, enums, names): byte by byte beats
    // Buffer#write, whose per-call cost dominates strings this short.
    if (length < 0x80) {
      this.ensure(length + 1)
      const buf = this.buf
      let at = this.pos + 1
      let code = 0
      for (let i = 0; i < length && code < 0x80; i++) buf[at++] = code = value.charCodeAt(i)
      if (code < 0x80) {
        buf[this.pos] = length
        this.pos = at
        return
      }
    }
    this.utf8String(value)
  }

  private utf8String(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; 5 more for the length.
    this.ensure(value.length * 3 + 5)
    const start = this.pos
    const written = this.buf.write(value, start + 1)
    let lengthBytes = 1
    for (let v = written; v >= 0x80; v = Math.floor(v / 0x80)) lengthBytes++
    if (lengthBytes > 1) this.buf.copy(this.buf, start + lengthBytes, start + 1, start + 1 + written)
    this.varUInt(written)
    this.pos = start + lengthBytes + written
  }

  u16(value: number): void {
    this.ensure(2)
    this.pos = this.buf.writeUInt16LE(value, this.pos)
  }

  u32(value: number): void {
    this.ensure(4)
    this.pos = this.buf.writeUInt32LE(value, this.pos)
  }

  /** Integers up to 2^53, the range a JS number holds exactly. */
  u64(value: number): void {
    this.ensure(8)
    this.buf.writeUInt32LE(value % TWO_32, this.pos)
    this.pos = this.buf.writeUInt32LE(Math.floor(value / TWO_32), this.pos + 4)
  }

  /** Milliseconds since the epoch as a signed Int64 (negative only before 1970). */
  i64(value: number): void {
    if (value >= 0) return this.u64(value)
    this.ensure(8)
    this.pos = this.buf.writeBigInt64LE(BigInt(value), this.pos)
  }
}

function writeColumn(w: BlockWriter, rows: readonly EventRow[], column: Column): void {
  const n = rows.length
  switch (column.kind) {
    case 'string':
      for (let i = 0; i < n; i++) w.string(column.get(rows[i]))
      return
    case 'u16':
      for (let i = 0; i < n; i++) w.u16(column.get(rows[i]))
      return
    case 'u32':
      for (let i = 0; i < n; i++) w.u32(column.get(rows[i]))
      return
    case 'u64':
      for (let i = 0; i < n; i++) w.u64(column.get(rows[i]))
      return
    case 'datetime64':
      for (let i = 0; i < n; i++) w.i64(column.get(rows[i]))
      return
    case 'strings': {
      let end = 0
      for (let i = 0; i < n; i++) {
        end += column.get(rows[i]).length
        w.u64(end)
      }
      for (let i = 0; i < n; i++) for (const s of column.get(rows[i])) w.string(s)
    }
  }
}

/** Encodes the rows as one Native block with the columns of EVENT_COLUMNS. */
export function encodeNativeBlock(rows: readonly EventRow[]): Buffer {
  const w = new BlockWriter(rows.length * 320 + 2048)
  w.varUInt(EVENT_COLUMNS.length)
  w.varUInt(rows.length)
  for (const column of EVENT_COLUMNS) {
    w.string(column.name)
    w.string(NATIVE_TYPE[column.kind])
    writeColumn(w, rows, column)
  }
  return w.buf.subarray(0, w.pos)
}
