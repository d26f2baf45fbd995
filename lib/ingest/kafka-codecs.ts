/**
 * Every compression a Kafka producer may use (none, gzip, snappy, lz4, zstd),
 * registered in kafkajs' codec registry. Import this module wherever a kafkajs
 * client is created: the registry is global to the process, and kafkajs only
 * knows gzip by itself (a snappy, lz4 or zstd batch made it crash with
 * "not implemented" and stop consuming).
 *
 * The wire formats are those of Apache Kafka's Java client, which most
 * producers use or copy:
 *  - snappy: xerial's SnappyOutputStream framing (a 16-byte header, then
 *    blocks of [int32 length][raw snappy]); plain raw snappy is read too;
 *  - lz4: the LZ4 frame format with independent blocks (KafkaLZ4BlockOutputStream);
 *  - zstd: standard zstd frames (zstd-jni's output stream; the frame may not
 *    state its content size, so decompression streams).
 *
 * A batch whose decompression fails must not fail the whole fetch: kafkajs
 * decodes every partition of a broker's fetch response in one go, so one
 * undecodable batch would stop all of them (that is how one lz4 batch used to
 * stop all ingest). Instead the batch is decoded into placeholder records at
 * the batch's own offsets, each carrying UNDECODABLE_HEADER with the reason;
 * the consumer (kafka-batches.ts, step 10 in kafka-ledger.ts) then holds that partition at that offset,
 * reports it in ingest health, and the other partitions go on.
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs'
import { gunzipSync, gzipSync } from 'node:zlib'
import { compressFrameSync, decompressFrameSync } from 'lz4-napi'
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy'
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd'

export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type CodecName = (typeof CODEC_NAMES)[number]

/** kafkajs' codec shape: the registry maps a codec id to a factory of this. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

/** Header set on the placeholder records of a batch that could not be decompressed. */
export const UNDECODABLE_HEADER = 'x-burnrate-undecodable'

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_BYTES = 16
const XERIAL_BLOCK = 32 * 1024

function snappyDecode(buf: Buffer): Buffer {
  if (buf.length < XERIAL_HEADER_BYTES || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return snappyUncompress(buf) as Buffer
  const parts: Buffer[] = []
  for (let at = XERIAL_HEADER_BYTES; at < buf.length;) {
    const len = buf.readInt32BE(at)
    at += 4
    if (len < 0 || at + len > buf.length) throw new Error(`snappy: block of ${len} bytes overruns the ${buf.length}-byte frame`)
    parts.push(snappyUncompress(buf.subarray(at, at + len)) as Buffer)
    at += len
  }
  return Buffer.concat(parts)
}

function snappyEncode(buf: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES)
  XERIAL_MAGIC.copy(header)
  header.writeInt32BE(1, 8) // version
  header.writeInt32BE(1, 12) // minimum compatible version
  const parts: Buffer[] = [header]
  for (let at = 0; at < buf.length; at += XERIAL_BLOCK) {
    const block = snappyCompress(buf.subarray(at, at + XERIAL_BLOCK))
    const len = Buffer.alloc(4)
    len.writeInt32BE(block.length)
    parts.push(len, block)
  }
  return Buffer.concat(parts)
}

export const CODECS: Record<Exclude<CodecName, 'none'>, KafkaCodec> = {
  gzip: { compress: async (e) => gzipSync(e.buffer), decompress: async (b) => gunzipSync(b) },
  snappy: { compress: async (e) => snappyEncode(e.buffer), decompress: async (b) => snappyDecode(b) },
  lz4: { compress: async (e) => compressFrameSync(e.buffer), decompress: async (b) => decompressFrameSync(b) },
  zstd: { compress: async (e) => zstdCompress(e.buffer, 3), decompress: async (b) => zstdDecompress(b) },
}

const TYPE_OF: Record<Exclude<CodecName, 'none'>, CompressionTypes> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

export function compressionType(name: CodecName): CompressionTypes {
  return name === 'none' ? CompressionTypes.None : TYPE_OF[name]
}

// A record batch (magic 2) before its records: firstOffset int64, length int32,
// leaderEpoch int32, magic int8, crc int32, attributes int16, lastOffsetDelta
// int32, firstTimestamp int64, maxTimestamp int64, producerId int64,
// producerEpoch int16, firstSequence int32, record count int32.
const BATCH_HEADER_BYTES = 61
const LENGTH_FIELD_BYTES = 12 // firstOffset + length: not counted by the length field

/**
 * The batch header in front of `compressed`. kafkajs hands a codec only the
 * compressed bytes, but as a view into the fetch response, so the header sits
 * just before it in the same memory. Every field that can be cross-checked is;
 * null when it does not add up (then the original error is rethrown).
 */
function batchHeaderOf(compressed: Buffer): { count: number; lastOffsetDelta: number } | null {
  const start = compressed.byteOffset - BATCH_HEADER_BYTES
  if (start < 0) return null
  const header = Buffer.from(compressed.buffer, start, BATCH_HEADER_BYTES)
  const length = header.readInt32BE(8)
  const magic = header.readInt8(16)
  const attributes = header.readInt16BE(21)
  const lastOffsetDelta = header.readInt32BE(23)
  const count = header.readInt32BE(57)
  const plausible =
    magic === 2 &&
    (attributes & 0x07) !== 0 &&
    length === BATCH_HEADER_BYTES - LENGTH_FIELD_BYTES + compressed.length &&
    count > 0 &&
    count <= lastOffsetDelta + 1
  return plausible ? { count, lastOffsetDelta } : null
}

function varint(n: number): Buffer {
  const out: number[] = []
  let v = (n << 1) ^ (n >> 31) // zigzag, as Kafka's record fields are
  while ((v & ~0x7f) !== 0) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return Buffer.from(out)
}

/** One record of a v2 batch: no key, no value, one header; at offsetDelta. */
function placeholderRecord(offsetDelta: number, reason: Buffer): Buffer {
  const name = Buffer.from(UNDECODABLE_HEADER)
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    varint(0), // timestampDelta
    varint(offsetDelta),
    varint(-1), // key: null
    varint(-1), // value: null
    varint(1), // one header
    varint(name.length),
    name,
    varint(reason.length),
    reason,
  ])
  return Buffer.concat([varint(body.length), body])
}

/** What kafkajs decodes into `count` placeholder records spanning the batch's offsets. */
function placeholders(header: { count: number; lastOffsetDelta: number }, reason: string): Buffer {
  const why = Buffer.from(reason.slice(0, 300))
  const records: Buffer[] = []
  for (let i = 0; i < header.count; i++) records.push(placeholderRecord(i === header.count - 1 ? header.lastOffsetDelta : i, why))
  return Buffer.concat(records)
}

/** A codec that does not throw on a bad batch but decodes it into placeholders (see the top of this file). */
function guarded(name: string, codec: KafkaCodec | null): KafkaCodec {
  return {
    compress: async (e) => {
      if (!codec) throw new Error(`no ${name} codec registered in this process`)
      return codec.compress(e)
    },
    decompress: async (buf) => {
      try {
        if (!codec) throw new Error(`no ${name} codec registered in this process`)
        return await codec.decompress(buf)
      } catch (err) {
        const header = batchHeaderOf(buf)
        if (!header) throw err
        return placeholders(header, `${name}: ${err instanceof Error ? err.message : String(err)}`)
      }
    },
  }
}

/**
 * Registers the codecs in kafkajs. Called on import with all of them; a
 * codec given as null stays "unavailable": its batches are held as
 * undecodable, as any batch whose decompression fails (the stuck-consumer
 * test uses that).
 */
export function registerKafkaCodecs(overrides: Partial<Record<Exclude<CodecName, 'none'>, KafkaCodec | null>> = {}) {
  const registry = CompressionCodecs as unknown as Record<number, () => KafkaCodec>
  for (const name of Object.keys(TYPE_OF) as (keyof typeof TYPE_OF)[]) {
    const codec = guarded(name, name in overrides ? overrides[name]! : CODECS[name])
    registry[TYPE_OF[name]] = () => codec
  }
}

registerKafkaCodecs()
