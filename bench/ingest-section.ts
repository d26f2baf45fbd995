/**
 * The ingest section of `npm run bench`: per partition count, a corpus
 * produced once, then our consumer and the Kafka-engine reference alternated
 * rep by rep on it; throughput, peak RSS and bytes per stored event.
 */
import type { Admin } from 'kafkajs'
import { configSchema } from '../lib/config'
import { benchKafka, createTopic, produceCorpus, type ProduceResult } from './producer-rate'
import { runOurs, runReference, type RunResult, type TopicInfo } from './ingest-throughput'
import { machineNote } from './machine-share'
import type { DiskResult } from './disk'
import { fmt, fmtSummary, pairedRatios, summarize } from './stats'
import type { ReportRow } from './report'

export interface IngestSectionOptions {
  admin: Admin
  kafka: ReturnType<typeof benchKafka>
  brokers: string
  events: number
  reps: number
  partitionCounts: number[]
  refBlock: number
  batchRows: number | undefined
  log: (line: string) => void
}

export async function benchIngestSection(o: IngestSectionOptions): Promise<{ rows: ReportRow[]; timeNotes: string[]; notes: string[] }> {
  const { admin, kafka, brokers, events, reps, partitionCounts, log } = o
  const rows: ReportRow[] = []
  const timeNotes: string[] = []
  const notes: string[] = []
  const defaults = configSchema.parse({})
  const peakRss: { ours: RunResult; ref: RunResult }[] = []
  let disk: DiskResult | undefined
  for (const p of partitionCounts) {
    const topic = `bench-p${p}-${Date.now().toString(36)}`
    await createTopic(admin, topic, p)
    log(`producing ${fmt(events)} events to ${topic} (${p} partitions)`)
    let last = 0
    const produced: ProduceResult = await produceCorpus(kafka, topic, events, {
      tag: topic,
      onProgress: (d) => {
        if (d - last >= events / 4) {
          last = d
          log(`  produced ${fmt(d)}`)
        }
      },
    })
    rows.push({
      section: 'producer',
      metric: `kafkajs → Kafka, ${p} partition(s)`,
      ours: `${fmt(produced.perSec)} ev/s, ${fmt(produced.mbPerSec, 1)} MB/s`,
      reference: '—',
      ratio: '—',
      target: '',
    })
    const t: TopicInfo = { brokers, topic, partitions: p, events, bytesPerEvent: produced.bytes / events }
    const ours: RunResult[] = []
    const ref: RunResult[] = []
    for (let rep = 1; rep <= reps; rep++) {
      const timeoutMs = Math.max(300_000, events / 5)
      log(`  [${p} partitions, rep ${rep}/${reps}] reference: Kafka engine`)
      // The same wait for a partial batch on both sides: the engine's default (7.5 s) held the last block of every run.
      ref.push(await runReference(admin, t, { maxBlockSize: o.refBlock, flushIntervalMs: defaults.INGEST_MAX_WAIT_MS, timeoutMs, log }))
      log(`    reference ${fmt(ref[ref.length - 1].perSec)} ev/s (${machineNote(ref[ref.length - 1].machine)})`)
      log(`  [${p} partitions, rep ${rep}/${reps}] ours: npm run ingest`)
      const r = await runOurs(admin, t, {
        batchRows: o.batchRows ?? defaults.INGEST_MAX_BATCH_ROWS,
        maxWaitMs: defaults.INGEST_MAX_WAIT_MS,
        timeoutMs,
        log,
        measureDisk: rep === 1 && p === partitionCounts[0],
      })
      ours.push(r)
      peakRss.push({ ours: r, ref: ref[ref.length - 1] })
      if (r.disk) disk = r.disk
      log(
        `    ours ${fmt(r.perSec)} ev/s (ratio ${fmt(r.perSec / ref[ref.length - 1].perSec, 2)}), peak RSS ${fmt(r.peakRssMb)} MB (${machineNote(r.machine)})`,
      )
    }
    const share = (rs: RunResult[]) =>
      `steal ${fmt(summarize(rs.map((r) => r.machine.stealPct)).median)}%, idle ${fmt(summarize(rs.map((r) => r.machine.idlePct)).median)}%`
    timeNotes.push(
      `ingest ${p} partition(s): machine CPU during the timed runs (medians): ours ${share(ours)}; reference ${share(ref)}. Per run: ours ${ours.map((r) => `${fmt(r.perSec)} ev/s at steal ${fmt(r.machine.stealPct)}%`).join(', ')}; reference ${ref.map((r) => `${fmt(r.perSec)} ev/s at steal ${fmt(r.machine.stealPct)}%`).join(', ')}.`,
    )
    const ratio = pairedRatios(
      ours.map((r) => r.perSec),
      ref.map((r) => r.perSec),
    )
    rows.push({
      section: 'ingest',
      metric: `Kafka → ClickHouse, ${p} partition(s)/consumer(s), ${fmt(events)} events`,
      ours: `${fmtSummary(summarize(ours.map((r) => r.perSec)), 0, ' ev/s')}, ${fmt(summarize(ours.map((r) => r.mbPerSec)).median, 1)} MB/s`,
      reference: `${fmtSummary(summarize(ref.map((r) => r.perSec)), 0, ' ev/s')}, ${fmt(summarize(ref.map((r) => r.mbPerSec)).median, 1)} MB/s`,
      ratio: `${fmt(ratio.median, 2)} ±${fmt(ratio.spreadPct)}%`,
      target: '≥ 1.0 and ≥ 150k ev/s',
    })
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  }
  if (peakRss.length) {
    const ours = peakRss.map((p) => p.ours)
    const ref = peakRss.map((p) => p.ref)
    const split = (rs: RunResult[]) =>
      `anonymous ${fmt(Math.max(...rs.map((r) => r.peakAnonMb)))} MB + file-backed ${fmt(Math.max(...rs.map((r) => r.peakFileMb)))} MB`
    rows.push({
      section: 'memory',
      metric: 'peak RSS during the throughput runs (max: heap + engine code mapped from libchdb.so)',
      ours: `${fmtSummary(summarize(ours.map((r) => r.peakRssMb)), 0, ' MB')}, max ${fmt(Math.max(...ours.map((r) => r.peakRssMb)))} MB (${split(ours)})`,
      reference: `${fmtSummary(summarize(ref.map((r) => r.peakRssMb)), 0, ' MB')} (${split(ref)})`,
      ratio: fmt(
        pairedRatios(
          ours.map((r) => r.peakRssMb),
          ref.map((r) => r.peakRssMb),
        ).median,
        2,
      ),
      target: '< 256 MB',
    })
  }
  if (disk) {
    rows.push({
      section: 'disk',
      metric: 'compressed bytes per stored event (events table)',
      ours: `${fmt(disk.eventsBytesPerRow, 1)} B (${fmt(disk.uncompressedBytesPerRow)} B uncompressed)`,
      reference: '—',
      ratio: '—',
      target: '< 25 B',
    })
    rows.push({
      section: 'disk',
      metric: 'all tables incl. rollups, per event',
      ours: `${fmt(disk.allBytesPerRow, 1)} B`,
      reference: '—',
      ratio: '—',
      target: '',
    })
    if (disk.duplicates !== 0) notes.push(`disk check found ${disk.duplicates} duplicate event ids`)
  }
  return { rows, timeNotes, notes }
}
