/**
 * `npm run bench [-- flags]`: starts its own Kafka broker run named "bench",
 * runs the selected sections, prints a table and writes docs/benchmarks.md.
 *   --only a,b          sections: micro, producer, ingest, ingest-codecs, ceiling, disk, memory, memory-server, dashboard, policy, detection, enforcer, enforcer-revoke, long-range (default: all)
 *   --events N          events per throughput run (default 1000000)
 *   --reps R            repetitions per configuration (default 3)
 *   --partitions 1,2,4  partition/consumer counts
 *   --codecs lz4,zstd   ingest-codecs: topics the Java producer writes with these codecs (1 partition each)
 *   --batch-rows N      INGEST_MAX_BATCH_ROWS of our consumer (default: the production default of lib/config.ts)
 *   --ref-block N       kafka_max_block_size of the reference (default 65536)
 *   --memory-seconds S  sustained memory run (default 600)
 *   --dashboard-sizes   store sizes for the dashboard section (default 1000000,10000000,50000000)
 *   --long-range-events events in the 30-day store of the long-range section (default 100000000)
 *   --no-report         do not write docs/benchmarks.md
 *   --broker NAME       name of the Kafka broker run it starts (default bench; give your own beside others' benches)
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { configSchema } from '../lib/config'
import { benchPipelineMicro, printMicro } from './pipeline-micro'
import { benchKafka, benchProducer, benchSimulator, cpuCeiling, type RateRun } from './producer-rate'
import { benchIngestCodecs } from './ingest-codecs'
import { benchMemory, SERVER_PROFILE } from './memory'
import { fmt, fmtSummary, pairedRatios, summarize } from './stats'
import { textTable, writeReport, type ReportRow } from './report'
import { benchIngestSection } from './ingest-section'
import { EXTERNAL, childMain, externalRows, runExternal, startBroker, stopBroker } from './sections'

const ROOT = join(__dirname, '..')
const SECTIONS = [
  'micro',
  'producer',
  'ingest',
  'ingest-codecs',
  'ceiling',
  'disk',
  'memory',
  'memory-server',
  'dashboard',
  'policy',
  'detection',
  'enforcer',
  'enforcer-revoke',
  'long-range',
] as const
const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '1,2,4' },
    codecs: { type: 'string', default: 'lz4,zstd' },
    'batch-rows': { type: 'string' },
    'ref-block': { type: 'string', default: '65536' },
    'memory-seconds': { type: 'string', default: '600' },
    'dashboard-sizes': { type: 'string', default: '1000000,10000000,50000000' },
    'long-range-events': { type: 'string', default: '100000000' },
    'no-report': { type: 'boolean', default: false },
    // The broker run's name: another engineer's bench broker of the same name would be stopped by this run.
    broker: { type: 'string', default: 'bench' },
    child: { type: 'string' },
    arg: { type: 'string' },
  },
})

const t0 = Date.now()
const log = (line: string) => console.log(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`)

async function main() {
  if (flags.child) return childMain(flags.child, flags.arg ? JSON.parse(flags.arg) : {})
  const only = new Set(flags.only ? flags.only.split(',') : SECTIONS)
  const events = Number(flags.events)
  const reps = Number(flags.reps)
  const partitionCounts = flags.partitions!.split(',').map(Number)
  const rows: ReportRow[] = []
  const timeNotes: string[] = []
  const notes: string[] = []
  const startedAt = new Date()
  let brokers = ''
  const needsBroker = ['producer', 'ingest', 'ingest-codecs', 'memory', 'memory-server', 'policy', 'enforcer-revoke'].some((s) => only.has(s))
  process.on('SIGINT', () => void stopBroker(flags.broker!).then(() => process.exit(130)))
  try {
    if (needsBroker) {
      log(`starting Kafka broker "${flags.broker}"`)
      brokers = await startBroker(flags.broker!)
      log(`broker ready at ${brokers}`)
    }
    if (only.has('micro')) {
      log('micro-benchmark: prepareBatch and insert encoders')
      const m = await benchPipelineMicro(100_000, 5)
      printMicro(m, (l) => log(l))
      for (const s of m.stages)
        timeNotes.push(
          `micro: ${s.name}: ${fmtSummary(s.perSec, 0, ' events/s')} on one thread, ${fmt(s.vsParse.median, 3)}× the speed of plain JSON.parse of the same messages (±${fmt(s.vsParse.spreadPct)}%).`,
        )
      const prep = m.stages.find((s) => s.name === 'prepareBatch + encode')!
      rows.push({
        section: 'pipeline CPU',
        metric: 'prepareBatch + encode, one thread',
        ours: fmtSummary(prep.perSec, 0, ' ev/s'),
        reference: 'JSON.parse of the same bytes',
        ratio: `${fmt(prep.vsParse.median, 3)} ±${fmt(prep.vsParse.spreadPct)}%`,
        target: '',
      })
    }
    if (only.has('producer')) {
      const sim = await benchSimulator(10_000)
      rows.push({
        section: 'producer',
        metric: 'simulator generation (CPU only)',
        ours: sim ? `${fmt(sim.perSec)} ev/s` : 'not available yet',
        reference: '—',
        ratio: '—',
        target: '',
      })
    }
    const kafka = benchKafka(brokers || '127.0.0.1:1')
    const admin = kafka.admin()
    if (only.has('producer') || only.has('ingest') || only.has('ingest-codecs')) await admin.connect()
    if (only.has('producer')) {
      log(`simulator → Kafka against the Java client and plain kafkajs: ${fmt(events)} events per run, ${reps} reps`)
      const pr = await benchProducer(admin, kafka, brokers, { events, reps, partitions: 4, brokerName: flags.broker!, log })
      const rate = (runs: RateRun[]) => fmtSummary(summarize(runs.map((x) => x.perSec)), 0, ' ev/s')
      const metric = `npm run simulate → Kafka (${pr.partitions} partitions, ${fmt(events)} events)`
      rows.push({
        section: 'producer',
        metric,
        ours: rate(pr.ours),
        reference: `Java client: ${rate(pr.java)}`,
        ratio: `${fmt(pr.vsJava.median, 2)} ±${fmt(pr.vsJava.spreadPct)}%`,
        target: '≥ 50k ev/s',
      })
      rows.push({
        section: 'producer',
        metric,
        ours: rate(pr.ours),
        reference: `plain kafkajs, 1 producer, pre-built records: ${rate(pr.kafkajs)}`,
        ratio: `${fmt(pr.vsKafkajs.median, 2)} ±${fmt(pr.vsKafkajs.spreadPct)}%`,
        target: '',
      })
      // The machine is shared: the rate moves with other load, CPU per event much less.
      const cores = availableParallelism()
      const ceiling = (runs: RateRun[]) => summarize(runs.map((x) => cpuCeiling(x, cores)))
      const cpu = (runs: RateRun[]) =>
        `${fmt(summarize(runs.map((x) => x.clientUs)).median, 1)} + ${fmt(summarize(runs.map((x) => x.brokerUs ?? NaN)).median, 1)} µs`
      rows.push({
        section: 'producer',
        metric: `CPU-bound ceiling: ${cores} cores ÷ CPU per event (producer + broker)`,
        ours: `${fmtSummary(ceiling(pr.ours), 0, ' ev/s')} (${cpu(pr.ours)})`,
        reference: `Java client: ${fmtSummary(ceiling(pr.java), 0, ' ev/s')} (${cpu(pr.java)})`,
        ratio: `${fmt(
          pairedRatios(
            pr.ours.map((x) => cpuCeiling(x, cores)),
            pr.java.map((x) => cpuCeiling(x, cores)),
          ).median,
          2,
        )}`,
        target: '≥ 50k ev/s',
      })
      timeNotes.push(
        `producer: CPU per event, producing process + broker: npm run simulate ${cpu(pr.ours)}, plain kafkajs ${cpu(pr.kafkajs)}, Java client ${cpu(pr.java)} (medians). ` +
          'Of what npm run simulate uses itself, about 55% is kafkajs on the producer threads, 30% generating and JSON.stringify on the simulator thread and 15% V8 garbage-collector helper threads (per-thread CPU, docs/kafka.md).',
      )
    }
    const defaults = configSchema.parse({})
    if (only.has('ingest')) {
      const section = await benchIngestSection({
        admin,
        kafka,
        brokers,
        events,
        reps,
        partitionCounts,
        refBlock: Number(flags['ref-block']),
        batchRows: flags['batch-rows'] ? Number(flags['batch-rows']) : undefined,
        log,
      })
      rows.push(...section.rows)
      timeNotes.push(...section.timeNotes)
      notes.push(...section.notes)
    }
    if (only.has('ingest-codecs')) {
      const c = await benchIngestCodecs(admin, {
        brokers,
        codecs: flags.codecs!.split(','),
        events,
        reps,
        partitions: 1,
        log,
        refBlock: Number(flags['ref-block']),
        batchRows: Number(flags['batch-rows'] ?? defaults.INGEST_MAX_BATCH_ROWS),
        maxWaitMs: defaults.INGEST_MAX_WAIT_MS,
      })
      rows.push(...c.rows)
      timeNotes.push(...c.notes)
    }
    for (const topology of ['embedded', 'server'] as const) {
      if (!only.has(topology === 'embedded' ? 'memory' : 'memory-server')) continue
      log(`sustained memory run (${topology}): ${flags['memory-seconds']} s`)
      const m = await benchMemory(brokers, Number(flags['memory-seconds']), log, topology)
      const metric =
        topology === 'embedded'
          ? `ingest RSS over a ${fmt(m.seconds / 60, 1)}-min sustained run (${fmt(m.consumed)} events), embedded chDB in the process`
          : `ingest RSS over a ${fmt(m.seconds / 60, 1)}-min sustained run (${fmt(m.consumed)} events), server mode, ${SERVER_PROFILE.partitions} partitions, ${SERVER_PROFILE.fetchBytesPerPartition / 1048576} MiB fetches, old space ≤ ${SERVER_PROFILE.maxOldSpaceMb} MB: HTTP to chDB's stand-in in another process (its peak ${fmt(m.storePeakRssMb ?? 0)} MB, not counted)`
      rows.push({
        section: 'memory',
        metric,
        ours: `peak ${fmt(m.peakRssMb)} MB (anonymous ${fmt(m.peakAnonMb)} MB, file-backed ${fmt(m.peakFileMb)} MB); 1st half ${fmt(m.firstHalfPeakMb)} MB, 2nd half ${fmt(m.secondHalfPeakMb)} MB`,
        reference: '—',
        ratio: `2nd/1st ${fmt(m.secondHalfPeakMb / m.firstHalfPeakMb, 2)}`,
        target: '< 256 MB, flat',
      })
    }
    for (const name of ['ceiling', 'disk', 'dashboard', 'long-range', 'policy', 'detection', 'enforcer', 'enforcer-revoke'] as const) {
      if (!only.has(name)) continue
      log(`${name} section`)
      const arg =
        name === 'dashboard'
          ? { sizes: flags['dashboard-sizes']!.split(',').map(Number) }
          : name === 'policy'
            ? { mode: brokers ? 'stack' : 'embedded', brokers: brokers ? [brokers] : undefined }
            : name === 'enforcer-revoke'
              ? { brokers: [brokers] }
              : name === 'long-range'
                ? { events: Number(flags['long-range-events']) }
                : {}
      try {
        const result = await runExternal(name, arg)
        if (result === undefined) rows.push({ section: name, metric: EXTERNAL[name].fn, ours: 'not available yet', reference: '—', ratio: '—', target: '' })
        else rows.push(...externalRows(name, result))
      } catch (e) {
        rows.push({ section: name, metric: EXTERNAL[name].fn, ours: `failed: ${(e as Error).message}`, reference: '—', ratio: '—', target: '' })
      }
    }
    if (admin) await admin.disconnect().catch(() => {})
  } finally {
    if (needsBroker) {
      log('stopping Kafka broker "bench"')
      await stopBroker(flags.broker!)
    }
  }
  console.log(`\n${textTable(rows)}\n`)
  if (!flags['no-report']) {
    writeReport(join(ROOT, 'docs', 'benchmarks.md'), {
      startedAt,
      finishedAt: new Date(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      rows,
      timeNotes,
      notes,
    })
    log('wrote docs/benchmarks.md')
  }
}

main().catch((e) => {
  console.error(`[bench] failed: ${e instanceof Error ? e.stack : e}`)
  void stopBroker(flags.broker!).then(() => process.exit(1))
})
