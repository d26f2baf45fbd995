import { EVENT_COLUMNS, type EventRow, type NativeKind } from './event-columns'

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

const NATIVE_TYPE: Record<NativeKind, string> = {
  string: 'String',
  u16: 'UInt16',
  u32: 'UInt32',
  u64: 'UInt64',
  datetime64: "DateTime64(3, 'UTC')",
  strings: 'Array(String)',
}

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

type Filler = (rows: readonly EventRow[], columns: BlockWriter[], items: (BlockWriter | null)[]) => void

const WRITE: Record<Exclude<NativeKind, 'strings'>, keyof BlockWriter> = { string: 'string', u16: 'u16', u32: 'u32', u64: 'u64', datetime64: 'i64' }

/**
 * One pass over the rows, each value appended to its column's buffer, as code
 * generated once from EVENT_COLUMNS: a straight run of
 * `c[i].kind(r.name)` calls per row. Filling all columns row by row reads
 * every row once with plain property access at fixed sites; a loop over the
 * columns with per-column accessors was twice as slow.
 * `columns[i]` belongs to EVENT_COLUMNS[i]; for an Array(String) column,
 * `columns[i]` holds the rows' end offsets and `items[i]` their elements.
 */
function compileFiller(): Filler {
  const lines = EVENT_COLUMNS.map(([name, , kind], i) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a column name: ${name}`)
    if (kind !== 'strings') return `c[${i}].${WRITE[kind]}(r.${name});`
    return `{ const a = r.${name}; end${i} += a.length; c[${i}].u64(end${i}); for (let k = 0; k < a.length; k++) items[${i}].string(a[k]); }`
  })
  const ends = EVENT_COLUMNS.flatMap(([, , kind], i) => (kind === 'strings' ? [`let end${i} = 0;`] : []))
  // Generated from the constant declaration, never from input.
  return new Function(
    'rows',
    'c',
    'items',
    `${ends.join(' ')}
    for (let n = 0; n < rows.length; n++) {
      const r = rows[n];
      ${lines.join('\n      ')}
    }`,
  ) as Filler
}

const fillColumns = compileFiller()

/** Encodes the rows as one Native block with the columns of EVENT_COLUMNS. */
export function encodeNativeBlock(rows: readonly EventRow[]): Buffer {
  const n = rows.length
  const columns = EVENT_COLUMNS.map(([, , kind]) => new BlockWriter(n * (kind === 'string' ? 24 : 8)))
  const items = EVENT_COLUMNS.map(([, , kind]) => (kind === 'strings' ? new BlockWriter(64) : null))
  fillColumns(rows, columns, items)
  const out = new BlockWriter(columns.reduce((sum, w, i) => sum + w.pos + (items[i]?.pos ?? 0), 0) + 4096)
  out.varUInt(EVENT_COLUMNS.length)
  out.varUInt(n)
  EVENT_COLUMNS.forEach(([name, , kind], i) => {
    out.string(name)
    out.string(NATIVE_TYPE[kind])
    out.bytes(columns[i])
    const elements = items[i]
    if (elements) out.bytes(elements)
  })
  return out.buf.subarray(0, out.pos)
}
