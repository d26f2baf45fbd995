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

/** Every column ingest writes, in insert order, with its wire kind. fillColumns writes them in this order. */
export const EVENT_COLUMNS = [
  ['ts', 'datetime64'], ['event_id', 'string'], ['type', 'string'], ['tenant_id', 'string'],
  ['install_id', 'string'], ['app_id', 'string'], ['app_version', 'string'], ['platform', 'string'],
  ['device_model', 'string'], ['os_version', 'string'], ['device_fingerprint', 'string'], ['ip_prefix', 'string'],
  ['asn', 'u32'], ['country', 'string'], ['feature', 'string'], ['model', 'string'], ['prompt_tokens', 'u32'],
  ['completion_tokens', 'u32'], ['context_tokens', 'u32'], ['prompt_bytes', 'u32'], ['cost_micros', 'u64'],
  ['cost_source', 'string'], ['outcome', 'string'], ['latency_ms', 'u32'], ['stream_id', 'string'],
  ['transport', 'string'], ['duration_ms', 'u32'], ['ttft_ms', 'u32'], ['end_reason', 'string'],
  ['verdict', 'string'], ['reasons', 'strings'], ['policy_version', 'u64'], ['rule_id', 'string'],
  ['rule_kind', 'string'], ['gateway_id', 'string'], ['src_topic', 'string'], ['src_partition', 'u16'],
  ['src_offset', 'u64'],
] as const satisfies readonly (readonly [keyof EventRow, Kind])[]

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

  /** Appends what another writer holds. */
  bytes(from: BlockWriter): void {
    this.ensure(from.pos)
    from.buf.copy(this.buf, this.pos, 0, from.pos)
    this.pos += from.pos
  }

  /** Milliseconds since the epoch as a signed Int64 (negative only before 1970). */
  i64(value: number): void {
    if (value >= 0) return this.u64(value)
    this.ensure(8)
    this.pos = this.buf.writeBigInt64LE(BigInt(value), this.pos)
  }
}

/**
 * One pass over the rows, each value appended to its column's buffer. Filling
 * all columns row by row reads every row once with plain property access;
 * filling them column by column through per-column accessors was twice as slow.
 * `columns[i]` belongs to EVENT_COLUMNS[i]; `reasonItems` holds the elements of
 * the reasons arrays, whose column holds their end offsets.
 */
function fillColumns(rows: readonly EventRow[], c: BlockWriter[], reasonItems: BlockWriter): void {
  let reasonsEnd = 0
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]
    c[0].i64(r.ts); c[1].string(r.event_id); c[2].string(r.type); c[3].string(r.tenant_id)
    c[4].string(r.install_id); c[5].string(r.app_id); c[6].string(r.app_version); c[7].string(r.platform)
    c[8].string(r.device_model); c[9].string(r.os_version); c[10].string(r.device_fingerprint); c[11].string(r.ip_prefix)
    c[12].u32(r.asn); c[13].string(r.country); c[14].string(r.feature); c[15].string(r.model); c[16].u32(r.prompt_tokens)
    c[17].u32(r.completion_tokens); c[18].u32(r.context_tokens); c[19].u32(r.prompt_bytes); c[20].u64(r.cost_micros)
    c[21].string(r.cost_source); c[22].string(r.outcome); c[23].u32(r.latency_ms); c[24].string(r.stream_id)
    c[25].string(r.transport); c[26].u32(r.duration_ms); c[27].u32(r.ttft_ms); c[28].string(r.end_reason)
    c[29].string(r.verdict)
    const reasons = r.reasons
    reasonsEnd += reasons.length
    c[30].u64(reasonsEnd)
    for (let k = 0; k < reasons.length; k++) reasonItems.string(reasons[k])
    c[31].u64(r.policy_version); c[32].string(r.rule_id)
    c[33].string(r.rule_kind); c[34].string(r.gateway_id); c[35].string(r.src_topic); c[36].u16(r.src_partition)
    c[37].u64(r.src_offset)
  }
}

/** Encodes the rows as one Native block with the columns of EVENT_COLUMNS. */
export function encodeNativeBlock(rows: readonly EventRow[]): Buffer {
  const n = rows.length
  const columns = EVENT_COLUMNS.map(([, kind]) => new BlockWriter(n * (kind === 'string' ? 24 : 8)))
  const reasonItems = new BlockWriter(64)
  fillColumns(rows, columns, reasonItems)
  const out = new BlockWriter(columns.reduce((sum, w) => sum + w.pos, reasonItems.pos) + 4096)
  out.varUInt(EVENT_COLUMNS.length)
  out.varUInt(n)
  EVENT_COLUMNS.forEach(([name, kind], i) => {
    out.string(name)
    out.string(NATIVE_TYPE[kind])
    out.bytes(columns[i])
    if (kind === 'strings') out.bytes(reasonItems)
  })
  return out.buf.subarray(0, out.pos)
}
