/**
 * Memory of the production consumer under sustained load: `cli/ingest.ts`
 * consumes while this process keeps producing fresh events as fast as it
 * can, for a fixed duration. RSS is sampled every second; "flat" means the
 * second half's peak is not above the first half's.
 *
 * Two topologies: embedded (the ingest process runs chDB on its own data
 * directory, as `npm start` does) and server (CLICKHOUSE_URL set, the ingest
 * process only decodes, validates and sends over HTTP, as the scaled-out
 * deployment does). With no ClickHouse server on this machine, server mode
 * sends to chDB behind its HTTP stand-in (tests/helpers/chdb-http-server.ts)
 * in a process of its own; only the ingest process is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTopic, produceCorpus, benchKafka } from './producer-rate'
import { rssMb } from './ingest-throughput'

export interface MemoryResult {
  seconds: number
  consumed: number
  peakRssMb: number
  firstHalfPeakMb: number
  secondHalfPeakMb: number
  /** Peaks of the anonymous (heap) and file-backed (mapped engine code) parts of RSS. */
  peakAnonMb: number
  peakFileMb: number
  samples: number[]
}

export type StoreTopology = 'embedded' | 'server'

/**
 * The memory-bounded profile of a server-mode ingest process, as
 * docker/compose.yml runs it: 2 MiB fetches per partition (inserts of ~3.5k
 * events) and V8's old generation capped at 128 MB, about twice the live heap
 * measured at full rate. The embedded run uses the defaults.
 */
export const SERVER_PROFILE = { fetchBytesPerPartition: 2 * 1024 * 1024, maxOldSpaceMb: 128, partitions: 4 }

/** Starts chDB's HTTP stand-in on `dir`; resolves with its URL once it listens. */
async function startHttpStore(dir: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/chdb-http-cli.ts', '--data', dir, '--port', String(port)], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (d) => {
      out += d
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`chDB HTTP stand-in exited with ${code}: ${out}`)))
  })
  return { url, child }
}

export async function benchMemory(
  brokers: string,
  seconds: number,
  log: (l: string) => void,
  topology: StoreTopology = 'embedded',
): Promise<MemoryResult & { storePeakRssMb?: number }> {
  const kafka = benchKafka(brokers)
  const admin = kafka.admin()
  await admin.connect()
  const topic = `bench-mem-${Date.now().toString(36)}`
  const group = `${topic}-g`
  await createTopic(admin, topic, topology === 'server' ? SERVER_PROFILE.partitions : 2)
  await produceCorpus(kafka, topic, 200_000, { tag: `${topic}-0` }) // start with a backlog
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-mem-'))
  const store = topology === 'server' ? await startHttpStore(dir, 0) : undefined
  const heapFlags = store ? [`--max-old-space-size=${SERVER_PROFILE.maxOldSpaceMb}`] : []
  const child = spawn(process.execPath, [...heapFlags, '--import', 'tsx', 'cli/ingest.ts'], {
    cwd: join(__dirname, '..'),
    stdio: 'ignore',
    env: {
      ...process.env,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      INGEST_SOURCE: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP: group,
      CLICKHOUSE_DATABASE: 'bench',
      ...(store ? { CLICKHOUSE_URL: store.url, KAFKA_FETCH_BYTES_PER_PARTITION: String(SERVER_PROFILE.fetchBytesPerPartition) } : { DATA_DIR: dir }),
    },
  })
  // A bench that fails mid-run exits: take both children with it.
  const killChildren = () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    if (store && store.child.exitCode === null) store.child.kill('SIGKILL')
  }
  process.once('exit', killChildren)
  const samples: number[] = []
  let peakAnonMb = 0
  let peakFileMb = 0
  let storePeakRssMb = 0
  const started = Date.now()
  let stop = false
  const sampler = setInterval(() => {
    samples.push(rssMb(child.pid))
    if (store) storePeakRssMb = Math.max(storePeakRssMb, rssMb(store.child.pid))
    peakAnonMb = Math.max(peakAnonMb, rssMb(child.pid, 'RssAnon'))
    peakFileMb = Math.max(peakFileMb, rssMb(child.pid, 'RssFile'))
    if (samples.length % 30 === 0)
      log(
        `    memory (${topology}): ${samples.length}s of ${seconds}s, rss ${samples[samples.length - 1].toFixed(0)} MB, peak ${Math.max(...samples).toFixed(0)} MB`,
      )
  }, 1_000)
  const producer = (async () => {
    for (let round = 1; !stop; round++) await produceCorpus(kafka, topic, 50_000, { tag: `${topic}-${round}`, inFlight: 4 })
  })()
  await new Promise((r) => setTimeout(r, seconds * 1_000))
  stop = true
  await producer
  clearInterval(sampler)
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  const consumed = (offsets[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
  child.kill('SIGTERM')
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))
  if (store) {
    store.child.kill('SIGTERM')
    await new Promise((r) => (store.child.exitCode !== null ? r(null) : store.child.once('exit', r)))
  }
  process.off('exit', killChildren)
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
  rmSync(dir, { recursive: true, force: true })
  const half = Math.floor(samples.length / 2)
  // The first 10 s are start-up (tsx compile, migrations), not steady state.
  const first = samples.slice(Math.min(10, half), half)
  return {
    seconds: (Date.now() - started) / 1000,
    consumed,
    samples,
    peakAnonMb,
    peakFileMb,
    storePeakRssMb: store ? storePeakRssMb : undefined,
    peakRssMb: Math.max(...samples),
    firstHalfPeakMb: Math.max(...first),
    secondHalfPeakMb: Math.max(...samples.slice(half)),
  }
}
