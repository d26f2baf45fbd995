/**
 * Memory of the production consumer under sustained load: `ingest/main.ts`
 * consumes while this process keeps producing fresh events as fast as it
 * can, for a fixed duration. RSS is sampled every second; "flat" means the
 * second half's peak is not above the first half's.
 */
import { spawn } from 'node:child_process'
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

export async function benchMemory(brokers: string, seconds: number, log: (l: string) => void): Promise<MemoryResult> {
  const kafka = benchKafka(brokers)
  const admin = kafka.admin()
  await admin.connect()
  const topic = `bench-mem-${Date.now().toString(36)}`
  const group = `${topic}-g`
  await createTopic(admin, topic, 2)
  await produceCorpus(kafka, topic, 200_000, { tag: `${topic}-0` }) // start with a backlog
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-mem-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/main.ts'], {
    cwd: join(__dirname, '..'), stdio: 'ignore',
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', INGEST_SOURCE: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_GROUP: group, DATA_DIR: dir, CLICKHOUSE_DATABASE: 'bench' },
  })
  const samples: number[] = []
  let peakAnonMb = 0
  let peakFileMb = 0
  const started = Date.now()
  let stop = false
  const sampler = setInterval(() => {
    samples.push(rssMb(child.pid))
    peakAnonMb = Math.max(peakAnonMb, rssMb(child.pid, 'RssAnon'))
    peakFileMb = Math.max(peakFileMb, rssMb(child.pid, 'RssFile'))
    if (samples.length % 30 === 0) log(`    memory: ${samples.length}s of ${seconds}s, rss ${samples[samples.length - 1].toFixed(0)} MB, peak ${Math.max(...samples).toFixed(0)} MB`)
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
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
  rmSync(dir, { recursive: true, force: true })
  const half = Math.floor(samples.length / 2)
  // The first 10 s are start-up (tsx compile, migrations), not steady state.
  const first = samples.slice(Math.min(10, half), half)
  return {
    seconds: (Date.now() - started) / 1000, consumed, samples, peakAnonMb, peakFileMb,
    peakRssMb: Math.max(...samples), firstHalfPeakMb: Math.max(...first), secondHalfPeakMb: Math.max(...samples.slice(half)),
  }
}
