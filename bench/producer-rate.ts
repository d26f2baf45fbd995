/**
 * Producer side: how fast events reach Kafka (kafkajs, keyed by install id as
 * the gateway does). produceCorpus fills the ingest benchmark's input topics;
 * benchProducer measures the gateway simulator (`npm run simulate`) → Kafka
 * against two references measured in the same run on the same records.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners, CompressionTypes, type Admin, type Message } from 'kafkajs'
import { corpus } from './corpus'
import '../lib/ingest/kafka-codecs'
import { SCENARIO_NAMES } from '../lib/simulator/labels'
import { pairedRatios, summarize, type Summary } from './stats'

const ROOT = join(__dirname, '..')

export function benchKafka(brokers: string) {
  return new Kafka({ clientId: 'burnrate-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
}

export interface ProduceResult {
  events: number
  bytes: number
  ms: number
  perSec: number
  mbPerSec: number
}

/** Fills `topic` with `count` corpus events; several requests in flight, each under the broker's 1 MiB batch limit. */
export async function produceCorpus(
  kafka: Kafka,
  topic: string,
  count: number,
  opts: { tag: string; seed?: number; inFlight?: number; onProgress?: (done: number) => void },
): Promise<ProduceResult> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    maxInFlightRequests: opts.inFlight ?? 8,
  })
  await producer.connect()
  const started = performance.now()
  const pending = new Set<Promise<unknown>>()
  let chunk: { key: string; value: Buffer }[] = []
  let chunkBytes = 0
  let bytes = 0
  let sent = 0
  const flush = async () => {
    const messages = chunk
    chunk = []
    chunkBytes = 0
    const p = producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages }).then(() => {
      sent += messages.length
      opts.onProgress?.(sent)
    })
    pending.add(p)
    void p.finally(() => pending.delete(p))
    if (pending.size >= (opts.inFlight ?? 8)) await Promise.race(pending)
  }
  for (const record of corpus({ count, tag: opts.tag, seed: opts.seed })) {
    chunk.push(record)
    chunkBytes += record.value.length
    bytes += record.value.length
    if (chunkBytes > 700_000) await flush()
  }
  if (chunk.length > 0) await flush()
  await Promise.all(pending)
  const ms = performance.now() - started
  await producer.disconnect()
  return { events: count, bytes, ms, perSec: count / (ms / 1000), mbPerSec: bytes / 1e6 / (ms / 1000) }
}

export async function createTopic(admin: Admin, topic: string, partitions: number) {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true })
}

/** Events/s the simulator generates (CPU only, no Kafka), over a bounded wall-clock budget. */
export async function benchSimulator(budgetMs = 10_000): Promise<{ events: number; perSec: number } | null> {
  let mod: typeof import('../lib/simulator')
  try {
    mod = await import('../lib/simulator')
  } catch {
    return null
  }
  const start = Date.now() - 3_600_000
  const sim = new mod.GatewaySimulator({ seed: 7, installs: 20_000, ratePerSec: 5_000, scenarios: [], startMs: start })
  const t0 = performance.now()
  let events = 0
  for (let at = start; performance.now() - t0 < budgetMs; at += 1_000) events += sim.generate(at, at + 1_000).length
  return { events, perSec: events / ((performance.now() - t0) / 1000) }
}

/** The simulator settings of every producer run: flat load, all four attacks, the CLI's default population. */
const SIM = { seed: 42, installs: 3_000, ratePerSec: 100_000 }

/** Keyed records exactly as the simulator sends them: the first simulated second at SIM's rate (~100k). */
async function simulatorRecords(): Promise<{ key: string; value: Buffer }[]> {
  const { GatewaySimulator, SCENARIO_NAMES } = await import('../lib/simulator')
  const startMs = Date.now()
  const sim = new GatewaySimulator({ ...SIM, scenarios: [...SCENARIO_NAMES], startMs, diurnalAmplitude: 0 })
  return sim
    .generate(startMs, startMs + 1_000)
    .map((e) => ({ key: e.type === 'policy_ack' ? e.gateway_id : e.install_id, value: Buffer.from(JSON.stringify(e)) }))
}

/** clientUs: CPU of the producing process (all its threads) per event; brokerUs: the broker's CPU per event in the same run. */
export interface RateRun {
  events: number
  seconds: number
  perSec: number
  clientUs: number
  brokerUs?: number
}

/** `npm run simulate` as a child process, as fast as it goes (--no-realtime), reading its RESULT line. */
export function runSimulateCli(
  brokers: string,
  topic: string,
  events: number,
  opts: { partitions: number; workers?: number; labels: string },
): Promise<RateRun> {
  const args = [
    '--import',
    'tsx',
    'cli/simulate.ts',
    '--brokers',
    brokers,
    '--topic',
    topic,
    '--partitions',
    String(opts.partitions),
    '--seed',
    String(SIM.seed),
    '--installs',
    String(SIM.installs),
    '--rate',
    String(SIM.ratePerSec),
    '--duration',
    String(events / SIM.ratePerSec),
    '--scenarios',
    SCENARIO_NAMES.join(','),
    '--diurnal',
    '0',
    '--no-realtime',
    '--json-summary',
    '--labels',
    opts.labels,
    ...(opts.workers ? ['--workers', String(opts.workers)] : []),
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (code !== 0 || !line) return reject(new Error(`simulate exited with ${code}: ${(err || out).slice(-1500)}`))
      const r = JSON.parse(line.slice(7)) as { produced: number; generated: number; seconds: number; cpuSeconds: number }
      if (r.produced !== r.generated) return reject(new Error(`simulate produced ${r.produced} of ${r.generated} events`))
      resolve({ events: r.produced, seconds: r.seconds, perSec: r.produced / r.seconds, clientUs: (r.cpuSeconds * 1e6) / r.produced })
    })
  })
}

/** One plain kafkajs producer on this thread sending pre-built records (what a straightforward kafkajs app gets). */
export async function runKafkajsReference(kafka: Kafka, topic: string, records: { key: string; value: Buffer }[], events: number): Promise<RateRun> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  const started = performance.now()
  const cpu = process.cpuUsage()
  const pending = new Set<Promise<unknown>>()
  for (let i = 0; i < events; i += 1_000) {
    const messages: Message[] = []
    for (let j = i; j < Math.min(events, i + 1_000); j++) messages.push(records[j % records.length])
    const p = producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None })
    pending.add(p)
    void p.finally(() => pending.delete(p))
    if (pending.size >= 2) await Promise.race(pending)
  }
  await Promise.all(pending)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  await producer.disconnect()
  return { events, seconds, perSec: events / seconds, clientUs: (used.user + used.system) / events }
}

/** Kafka's Java client (bench/ProducerReference.java, run from source with the broker's cached jars). */
export async function runJavaReference(brokers: string, topic: string, recordsFile: string, events: number): Promise<RateRun> {
  const libs = await new Promise<string>((resolve, reject) =>
    execFile('bash', ['scripts/kafka/fetch.sh'], { cwd: ROOT }, (e, stdout) => (e ? reject(e) : resolve(stdout.trim()))),
  )
  return new Promise((resolve, reject) => {
    execFile(
      'java',
      ['-Xmx512m', '-cp', `${libs}/*`, 'bench/ProducerReference.java', brokers, topic, recordsFile, String(events)],
      { cwd: ROOT, timeout: 600_000 },
      (e, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '))
        if (e || !line) return reject(new Error(`java reference failed: ${e?.message ?? ''} ${stderr.slice(-1500)}`))
        const r = JSON.parse(line.slice(7)) as { records: number; ms: number; cpuMs: number }
        resolve({ events: r.records, seconds: r.ms / 1000, perSec: r.records / (r.ms / 1000), clientUs: (r.cpuMs * 1000) / r.records })
      },
    )
  })
}

/** CPU seconds the named bench broker (scripts/kafka/start.sh) has used so far, from /proc; undefined where that is not readable. */
function brokerCpuReader(name: string): () => number | undefined {
  const runDir = join(process.env.KAFKA_CACHE_DIR ?? join(ROOT, '.cache', 'kafka'), 'run', name)
  return () => {
    try {
      const pid = readFileSync(join(runDir, 'pid'), 'utf8').trim()
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100
    } catch {
      return undefined
    }
  }
}

/** What the machine's cores could carry if the producer and the broker had them alone: cores ÷ CPU per event. */
export function cpuCeiling(run: RateRun, cores: number): number {
  return (cores * 1e6) / (run.clientUs + (run.brokerUs ?? 0))
}

export interface ProducerBenchResult {
  ours: RateRun[]
  kafkajs: RateRun[]
  java: RateRun[]
  vsJava: Summary
  vsKafkajs: Summary
  partitions: number
}

/**
 * Simulator → Kafka against the references, alternating run by run so all three see the same machine load;
 * every run writes `events` events to a fresh topic with `partitions` partitions (deleted afterwards).
 */
export async function benchProducer(
  admin: Admin,
  kafka: Kafka,
  brokers: string,
  opts: { events: number; reps: number; partitions: number; brokerName: string; log: (l: string) => void },
): Promise<ProducerBenchResult> {
  const brokerCpu = brokerCpuReader(opts.brokerName)
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-producer-'))
  const records = await simulatorRecords()
  const recordsFile = join(dir, 'records.tsv')
  writeFileSync(recordsFile, records.map((r) => `${r.key}\t${r.value.toString()}`).join('\n') + '\n')
  const r: ProducerBenchResult = { ours: [], kafkajs: [], java: [], vsJava: summarize([]), vsKafkajs: summarize([]), partitions: opts.partitions }
  const fresh = async (name: string) => {
    const topic = `bench-${name}-${Date.now().toString(36)}`
    await createTopic(admin, topic, opts.partitions)
    return topic
  }
  const fmtRun = (x: RateRun) =>
    `${Math.round(x.perSec).toLocaleString('en-US')} ev/s (${x.events.toLocaleString('en-US')} events in ${x.seconds.toFixed(1)} s)`
  try {
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const which of ['java', 'kafkajs', 'ours'] as const) {
        const topic = await fresh(which)
        const brokerBefore = brokerCpu()
        const run =
          which === 'java'
            ? await runJavaReference(brokers, topic, recordsFile, opts.events)
            : which === 'kafkajs'
              ? await runKafkajsReference(kafka, topic, records, opts.events)
              : await runSimulateCli(brokers, topic, opts.events, { partitions: opts.partitions, labels: join(dir, 'labels.jsonl') })
        const brokerAfter = brokerCpu()
        if (brokerBefore !== undefined && brokerAfter !== undefined) run.brokerUs = ((brokerAfter - brokerBefore) * 1e6) / run.events
        r[which].push(run)
        opts.log(
          `  [producer rep ${rep}/${opts.reps}] ${which === 'ours' ? 'npm run simulate' : which === 'java' ? 'Java client' : 'plain kafkajs'}: ${fmtRun(run)}, ` +
            `CPU per event ${run.clientUs.toFixed(1)} µs + broker ${run.brokerUs?.toFixed(1) ?? '?'} µs`,
        )
        await admin.deleteTopics({ topics: [topic] }).catch(() => {})
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  r.vsJava = pairedRatios(
    r.ours.map((x) => x.perSec),
    r.java.map((x) => x.perSec),
  )
  r.vsKafkajs = pairedRatios(
    r.ours.map((x) => x.perSec),
    r.kafkajs.map((x) => x.perSec),
  )
  return r
}
