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
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { configSchema } from '../lib/config'
import { benchPipelineMicro, printMicro } from './pipeline-micro'
import { benchKafka, benchProducer, benchSimulator, cpuCeiling, createTopic, produceCorpus, type ProduceResult, type RateRun } from './producer-rate'
import { runOurs, runReference, type RunResult, type TopicInfo } from './ingest-throughput'
import { benchIngestCodecs } from './ingest-codecs'
import { machineNote } from './machine-share'
import { benchMemory, SERVER_PROFILE } from './memory'
import type { DiskResult } from './disk'
import { fmt, fmtSummary, pairedRatios, summarize } from './stats'
import { textTable, writeReport, type ReportRow } from './report'

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
const EXTERNAL: Record<string, { file: string; fn: string }> = {
  ceiling: { file: 'insert-ceiling.ts', fn: 'benchInsertCeiling' },
  disk: { file: 'disk-simulated.ts', fn: 'benchDiskSimulated' },
  dashboard: { file: 'dashboard-latency.ts', fn: 'benchDashboard' },
  policy: { file: 'policy-latency.ts', fn: 'benchPolicyLatency' },
  detection: { file: 'detection-latency.ts', fn: 'benchDetectionLatency' },
  enforcer: { file: 'enforcer.ts', fn: 'benchEnforcer' },
  'enforcer-revoke': { file: 'enforcer-revoke.ts', fn: 'benchEnforcerRevoke' },
  'long-range': { file: 'dashboard-long-range.ts', fn: 'benchLongRangeSection' },
}

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

function startBroker(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['scripts/kafka/start.sh', name],
      { cwd: ROOT, env: { ...process.env, KAFKA_KEEP_DATA: '0' }, timeout: 240_000 },
      (err, stdout, stderr) => {
        const m = /^KAFKA_BROKERS=(\S+)$/m.exec(stdout)
        if (err || !m) reject(new Error(`could not start the bench broker: ${err?.message ?? ''}\n${stderr.slice(-2000)}`))
        else resolve(m[1])
      },
    )
  })
}
const stopBroker = (name: string) => new Promise((r) => execFile('bash', ['scripts/kafka/stop.sh', name], { cwd: ROOT }, () => r(null)))

/** Sections written by others each open their own store: run them in a child process so no two chDB directories share one. */
async function runExternal(name: string, arg: unknown): Promise<unknown> {
  const spec = EXTERNAL[name]
  if (!existsSync(join(__dirname, spec.file))) return undefined
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--child', name, '--arg', JSON.stringify(arg)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d
      for (const line of d.toString().split('\n')) if (line && !line.startsWith('RESULT ')) console.log(`    ${name}: ${line}`)
    })
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)))
      else reject(new Error(`${name} section exited with ${code}`))
    })
  })
}

async function childMain(name: string, arg: unknown) {
  const spec = EXTERNAL[name]
  const mod = (await import(`./${spec.file}`)) as Record<string, (a: unknown) => Promise<unknown>>
  const result = await mod[spec.fn](arg)
  console.log(`RESULT ${JSON.stringify(result)}`)
  process.exit(0)
}

/** Turns whatever an external section returns into table rows without knowing its shape in advance. */
function externalRows(section: string, result: unknown): ReportRow[] {
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] })?.rows ?? [result])
  return rows.map((r, i) => {
    const o = r as Record<string, unknown>
    if (typeof o.ours === 'string') {
      return {
        section,
        metric: String(o.metric),
        ours: o.ours,
        reference: String(o.reference ?? '—'),
        ratio: String(o.ratio ?? '—'),
        target: String(o.target ?? ''),
      }
    }
    const label =
      String(o.endpoint ?? o.name ?? o.metric ?? o.mode ?? `#${i + 1}`) + ((o.events ?? o.size) ? ` @ ${fmt(Number(o.events ?? o.size))} events` : '')
    const num = (k: string) => (typeof o[k] === 'number' ? `${fmt(o[k] as number, 1)} ms` : '')
    return {
      section,
      metric: label,
      ours: [num('p50') && `p50 ${num('p50')}`, num('p95') && `p95 ${num('p95')}`].filter(Boolean).join(', ') || JSON.stringify(o).slice(0, 120),
      reference: o.reference !== undefined ? String(o.reference) : o.raw !== undefined ? JSON.stringify(o.raw).slice(0, 80) : '—',
      ratio: o.ratio !== undefined ? String(o.ratio) : '—',
      target: '',
    }
  })
}

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
    const peakRss: { ours: RunResult; ref: RunResult }[] = []
    const defaults = configSchema.parse({})
    let disk: DiskResult | undefined
    if (only.has('ingest')) {
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
          ref.push(await runReference(admin, t, { maxBlockSize: Number(flags['ref-block']), flushIntervalMs: defaults.INGEST_MAX_WAIT_MS, timeoutMs, log }))
          log(`    reference ${fmt(ref[ref.length - 1].perSec)} ev/s (${machineNote(ref[ref.length - 1].machine)})`)
          log(`  [${p} partitions, rep ${rep}/${reps}] ours: npm run ingest`)
          const r = await runOurs(admin, t, {
            batchRows: Number(flags['batch-rows'] ?? defaults.INGEST_MAX_BATCH_ROWS),
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
