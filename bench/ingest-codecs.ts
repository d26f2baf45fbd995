/**
 * Ingest section, compressed topics: Apache Kafka's Java producer
 * (bench/ProducerReference.java) writes the bench corpus with compression.type
 * lz4 or zstd, as production gateways commonly do, and our consumer
 * (`npm run ingest`) is timed against ClickHouse's Kafka engine (chDB, which
 * reads both codecs through its librdkafka) on the same topic, alternating
 * runs, exactly as the uncompressed rows (ingest-throughput.ts).
 */
import { execFile } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin } from 'kafkajs'
import { corpus } from './corpus'
import { runOurs, runReference, type RunResult, type TopicInfo } from './ingest-throughput'
import { createTopic } from './producer-rate'
import { fmt, fmtSummary, pairedRatios, summarize } from './stats'
import type { ReportRow } from './report'

const ROOT = join(__dirname, '..')

export interface CodecBenchOptions {
  brokers: string
  codecs: string[]
  events: number
  reps: number
  partitions: number
  batchRows: number
  maxWaitMs: number
  refBlock: number
  log: (line: string) => void
}

/** Writes `events` distinct corpus events with the Java producer and the given codec; returns the uncompressed value bytes. */
async function produceWithJava(brokers: string, topic: string, events: number, codec: string, tag: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-codec-'))
  try {
    const file = join(dir, 'records.tsv')
    let bytes = 0
    let lines: string[] = []
    writeFileSync(file, '')
    // Every event once (ProducerReference cycles a short file, and repeated ids would be dead-lettered as
    // duplicates by us but stored by the reference); written in pieces, as 1M events exceed a JS string.
    for (const r of corpus({ count: events, tag })) {
      bytes += r.value.length
      lines.push(`${r.key}\t${r.value.toString()}`)
      if (lines.length === 20_000) {
        appendFileSync(file, lines.join('\n') + '\n')
        lines = []
      }
    }
    if (lines.length) appendFileSync(file, lines.join('\n') + '\n')
    const libs = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['scripts/kafka/fetch.sh'], { cwd: ROOT }, (e, out) => (e ? reject(e) : resolve(out.trim()))),
    )
    await new Promise<void>((resolve, reject) => {
      // As a gateway would: acks=all, the codec, batches up to 256 KiB after up to 20 ms.
      const props = [`compression.type=${codec}`, 'acks=all', 'linger.ms=20', 'batch.size=262144']
      // It holds the whole file twice (lines, then bytes): ~1.3 GB for the default 1M events.
      const heapMb = Math.max(512, Math.ceil((bytes * 3) / 1048576))
      execFile(
        'java',
        [`-Xmx${heapMb}m`, '-cp', `${libs}/*`, 'bench/ProducerReference.java', brokers, topic, file, String(events), ...props],
        { cwd: ROOT, timeout: 600_000, maxBuffer: 4 * 1024 * 1024 },
        (e, stdout, stderr) =>
          e || !/RESULT/.test(stdout) ? reject(new Error(`java producer failed: ${e?.message ?? ''} ${stderr.slice(-1500)}`)) : resolve(),
      )
    })
    return bytes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchIngestCodecs(admin: Admin, o: CodecBenchOptions): Promise<{ rows: ReportRow[]; notes: string[] }> {
  const rows: ReportRow[] = []
  const notes: string[] = []
  for (const codec of o.codecs) {
    const topic = `bench-${codec}-p${o.partitions}-${Date.now().toString(36)}`
    await createTopic(admin, topic, o.partitions)
    o.log(`producing ${fmt(o.events)} events to ${topic} with the Java producer, compression.type=${codec}`)
    const bytes = await produceWithJava(o.brokers, topic, o.events, codec, topic)
    const t: TopicInfo = { brokers: o.brokers, topic, partitions: o.partitions, events: o.events, bytesPerEvent: bytes / o.events }
    const ours: RunResult[] = []
    const ref: RunResult[] = []
    for (let rep = 1; rep <= o.reps; rep++) {
      const timeoutMs = Math.max(300_000, o.events / 5)
      o.log(`  [${codec}, rep ${rep}/${o.reps}] reference: Kafka engine`)
      ref.push(await runReference(admin, t, { maxBlockSize: o.refBlock, flushIntervalMs: o.maxWaitMs, timeoutMs, log: o.log }))
      o.log(`    reference ${fmt(ref[ref.length - 1].perSec)} ev/s`)
      o.log(`  [${codec}, rep ${rep}/${o.reps}] ours: npm run ingest`)
      const r = await runOurs(admin, t, { batchRows: o.batchRows, maxWaitMs: o.maxWaitMs, timeoutMs, log: o.log, measureDisk: rep === 1 })
      if (r.rows !== undefined && r.rows !== o.events) throw new Error(`ours stored ${r.rows} rows of ${o.events}`)
      ours.push(r)
      o.log(`    ours ${fmt(r.perSec)} ev/s (ratio ${fmt(r.perSec / ref[ref.length - 1].perSec, 2)})`)
    }
    const ratio = pairedRatios(
      ours.map((r) => r.perSec),
      ref.map((r) => r.perSec),
    )
    rows.push({
      section: 'ingest',
      metric: `Kafka → ClickHouse, ${codec}-compressed topic (Java producer), ${o.partitions} partition(s)/consumer(s), ${fmt(o.events)} events`,
      ours: `${fmtSummary(summarize(ours.map((r) => r.perSec)), 0, ' ev/s')}, ${fmt(summarize(ours.map((r) => r.mbPerSec)).median, 1)} MB/s`,
      reference: `${fmtSummary(summarize(ref.map((r) => r.perSec)), 0, ' ev/s')}, ${fmt(summarize(ref.map((r) => r.mbPerSec)).median, 1)} MB/s`,
      ratio: `${fmt(ratio.median, 2)} ±${fmt(ratio.spreadPct)}%`,
      target: '≥ 1.0',
    })
    notes.push(
      `ingest ${codec}: per run ours ${ours.map((r) => `${fmt(r.perSec)} ev/s at steal ${fmt(r.machine.stealPct)}%`).join(', ')}; reference ${ref.map((r) => `${fmt(r.perSec)} ev/s at steal ${fmt(r.machine.stealPct)}%`).join(', ')}. MB/s are uncompressed JSON bytes.`,
    )
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  }
  return { rows, notes }
}
