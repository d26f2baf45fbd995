/**
 * Gateway simulator → Kafka. `npm run simulate -- --help` for options.
 * Messages are keyed by install_id, like a real gateway, so per-install order
 * holds within a partition.
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { enforcedByPolicyTopic } from '../lib/simulator/follow-policy'
import { CompressionTypes, Kafka, Partitioners, logLevel, type Message, type PartitionMetadata } from 'kafkajs'
import { loadConfig } from '../lib/config'
import { GatewaySimulator, SCENARIO_NAMES, parseScenarioList, writeLabels, type ScenarioName, type ScenarioSettings } from '../lib/simulator'

const HELP = `usage: npm run simulate -- [options]

  --rate <n>            legitimate events/s, daily mean (env SIM_RATE)
  --seed <n>            seed (env SIM_SEED)
  --installs <n>        legitimate installs (env SIM_INSTALLS)
  --tenants <n>         tenants, 1-5 (default 4)
  --scenarios <a,b>     ${SCENARIO_NAMES.join(',')} or "" (env SIM_SCENARIOS)
  --intensity <x>       rate multiplier for every scenario (default 1)
  --settings <json>     per-scenario settings, e.g. '{"emulator_farm":{"subnets":12,"offsetMs":0}}'
  --diurnal <0..1>      diurnal amplitude (default 0.4; 0 = flat load, best for benchmarks)
  --duration <s>        simulated seconds to produce (default: until Ctrl-C)
  --labels <path>       ground-truth labels file (default ./data/labels.jsonl)
  --brokers <list>      Kafka bootstrap brokers (env KAFKA_BROKERS)
  --topic <name>        topic (env KAFKA_TOPIC, default gateway-events)
  --partitions <n>      partitions when the topic has to be created (default 4)
  --workers <n>         producer threads (default: cores - 1, 1-4); kafkajs encodes ~20-40k messages/s per core
  --policy-url <url>    follow the signed policy topic like a gateway (keys from <url>/api/policy/jwks;
                        needs BURNRATE_GATEWAY_TOKEN); denied calls become policy_denial events
  --policy-topic <name> policy topic (default POLICY_TOPIC)
  --no-realtime         generate as fast as possible (timestamps still start now and run ahead of the clock)
`

// kafkajs groups a send's messages per partition by copying the partition's array for every message
// (O(n^2) per send), so many small sends beat a few big ones.
const SEND_BATCH = 1_000 // messages per producer.send
// Messages handed to a producer thread but not yet acked; bounds memory when the broker falls behind.
const MAX_OUTSTANDING = 60_000

function num(name: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got "${text}"`)
  return value
}

function options(argv: string[]) {
  const { values: v } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      rate: { type: 'string' }, seed: { type: 'string' }, installs: { type: 'string' }, tenants: { type: 'string' },
      scenarios: { type: 'string' }, intensity: { type: 'string' }, settings: { type: 'string' }, diurnal: { type: 'string' },
      duration: { type: 'string' }, labels: { type: 'string' }, brokers: { type: 'string' }, topic: { type: 'string' },
      partitions: { type: 'string' }, workers: { type: 'string' }, 'policy-url': { type: 'string' }, 'policy-topic': { type: 'string' }, realtime: { type: 'boolean' }, 'no-realtime': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const cfg = loadConfig()
  const scenarios = parseScenarioList(v.scenarios ?? cfg.SIM_SCENARIOS)
  const intensity = num('intensity', v.intensity, 1, 0.05, 50)
  const extra = v.settings ? (JSON.parse(v.settings) as Partial<Record<ScenarioName, ScenarioSettings>>) : {}
  const scenarioSettings = Object.fromEntries(scenarios.map((n) => [n, { intensity, ...extra[n] }]))
  return {
    seed: num('seed', v.seed, cfg.SIM_SEED, -Number.MAX_SAFE_INTEGER),
    ratePerSec: num('rate', v.rate, cfg.SIM_RATE, 0, 10_000_000),
    installs: Math.floor(num('installs', v.installs, cfg.SIM_INSTALLS, 1, 10_000_000)),
    tenants: Math.floor(num('tenants', v.tenants, 4, 1, 5)),
    diurnalAmplitude: num('diurnal', v.diurnal, 0.4, 0, 1),
    scenarios, scenarioSettings,
    durationMs: v.duration === undefined ? Infinity : num('duration', v.duration, 0, 0.001) * 1000,
    labelsPath: v.labels ?? './data/labels.jsonl',
    brokers: (v.brokers ?? cfg.KAFKA_BROKERS).split(',').map((b) => b.trim()).filter(Boolean),
    topic: v.topic ?? cfg.KAFKA_TOPIC,
    partitions: Math.floor(num('partitions', v.partitions, 4, 1, 10_000)),
    workers: Math.floor(num('workers', v.workers, Math.min(4, Math.max(1, availableParallelism() - 1)), 1, 64)),
    realtime: v['no-realtime'] ? false : v.realtime ?? true,
    clientId: `${cfg.KAFKA_CLIENT_ID}-simulator`,
    policyUrl: v['policy-url'],
    policyTopic: v['policy-topic'] ?? cfg.POLICY_TOPIC,
  }
}

/** --policy-url: enforce the signed policy topic, as a real gateway would (token from BURNRATE_GATEWAY_TOKEN). */
async function followPolicy(sim: GatewaySimulator, o: ReturnType<typeof options>) {
  const token = process.env.BURNRATE_GATEWAY_TOKEN
  if (!token) throw new Error('--policy-url needs BURNRATE_GATEWAY_TOKEN, one of the tokens in the app\'s POLICY_GATEWAY_TOKENS')
  return enforcedByPolicyTopic(sim, { brokers: o.brokers, topic: o.policyTopic, policyUrl: o.policyUrl!, gatewayToken: token })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Values are newline-separated JSON in one buffer, moved (not copied) to the producer thread. */
interface Batch { values: Uint8Array; keys: string; partitions: Int32Array }
type FromWorker = { type: 'ready' } | { type: 'acked'; count: number } | { type: 'error'; message: string } | { type: 'closed' }

/**
 * Producer thread. kafkajs encoding (records, CRC32C, buffers) costs far more
 * than generating an event, so it runs on several threads; each partition is
 * owned by one thread, which keeps per-install order.
 */
async function producerThread(): Promise<void> {
  const { brokers, clientId, topic } = workerData as { brokers: string[]; clientId: string; topic: string }
  const port = parentPort!
  const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.WARN })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, allowAutoTopicCreation: false })
  await producer.connect()
  port.on('message', async (m: Batch | 'close') => {
    if (m === 'close') {
      await producer.disconnect().catch(() => {})
      port.postMessage({ type: 'closed' } satisfies FromWorker)
      return
    }
    // JSON never contains a raw newline byte, so views split at 0x0a need no copy and no UTF-8 re-encoding.
    const buf = Buffer.from(m.values.buffer, m.values.byteOffset, m.values.byteLength)
    const keys = m.keys.split('\n')
    const count = keys.length
    const sends: Promise<unknown>[] = []
    let at = 0
    for (let i = 0; i < count; i += SEND_BATCH) {
      const end = Math.min(count, i + SEND_BATCH)
      const messages: Message[] = new Array(end - i)
      for (let j = i; j < end; j++) {
        const nl = buf.indexOf(10, at)
        const stop = nl < 0 ? buf.length : nl
        messages[j - i] = { key: keys[j] || null, value: buf.subarray(at, stop), partition: m.partitions[j] }
        at = stop + 1
      }
      sends.push(producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None }))
    }
    try {
      await Promise.all(sends)
      port.postMessage({ type: 'acked', count } satisfies FromWorker)
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker)
    }
  })
  port.postMessage({ type: 'ready' } satisfies FromWorker)
}

/** Starts this same file as a worker; under tsx the worker needs tsx's require hook to load TypeScript. */
function spawnProducer(data: object): Worker {
  let hook = ''
  if (__filename.endsWith('.ts')) hook = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();`
  return new Worker(`${hook}require(${JSON.stringify(__filename)})`, { eval: true, workerData: data })
}

class Producers {
  produced = 0
  private failure: Error | undefined
  private readonly outstanding: number[]
  private waiters: (() => void)[] = []

  private constructor(private readonly workers: Worker[]) {
    this.outstanding = workers.map(() => 0)
    workers.forEach((w, i) => w.on('message', (m: FromWorker) => {
      if (m.type === 'acked') {
        this.outstanding[i] -= m.count
        this.produced += m.count
      } else if (m.type === 'error') this.failure ??= new Error(`producer: ${m.message}`)
      this.wake()
    }))
    workers.forEach((w) => w.on('exit', (code) => {
      if (code !== 0) this.failure ??= new Error(`producer thread exited with code ${code}`)
      this.wake()
    }))
  }

  static async start(count: number, data: object): Promise<Producers> {
    const workers = Array.from({ length: count }, () => spawnProducer(data))
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('error', reject)
      w.once('exit', (code) => reject(new Error(`producer thread exited with code ${code} before connecting`)))
      w.on('message', (m: FromWorker) => m.type === 'ready' && resolve())
    })))
    return new Producers(workers)
  }

  get count(): number {
    return this.workers.length
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private async until(ok: () => boolean): Promise<void> {
    while (!ok()) {
      if (this.failure) throw this.failure
      await new Promise<void>((r) => this.waiters.push(r))
    }
    if (this.failure) throw this.failure
  }

  async send(worker: number, batch: Batch): Promise<void> {
    await this.until(() => this.outstanding[worker] < MAX_OUTSTANDING)
    this.outstanding[worker] += batch.partitions.length
    this.workers[worker].postMessage(batch, [batch.partitions.buffer as ArrayBuffer, batch.values.buffer as ArrayBuffer])
  }

  async close(): Promise<void> {
    await this.until(() => this.outstanding.every((n) => n === 0)).finally(async () => {
      await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
        w.on('message', (m: FromWorker) => m.type === 'closed' && resolve())
        w.postMessage('close')
        setTimeout(resolve, 5_000).unref()
      })))
      await Promise.all(this.workers.map((w) => w.terminate()))
    })
  }
}

/** Bytes that own their ArrayBuffer (safe to transfer): small Buffers live in Node's shared pool and are copied. */
function ownBytes(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b)
}

async function topicPartitions(kafka: Kafka, topic: string, partitions: number): Promise<PartitionMetadata[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
      console.log(`[simulate] created topic ${topic} with ${partitions} partitions`)
    }
    // A new topic's partitions get their leaders a moment after creation; sending earlier fails.
    for (let attempt = 0; ; attempt++) {
      const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return partitions
      if (attempt >= 50) throw new Error(`topic ${topic} has partitions without a leader after 10 s`)
      await sleep(200)
    }
  } finally {
    await admin.disconnect()
  }
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2))
  console.log(`[simulate] seed=${o.seed} installs=${o.installs} rate=${o.ratePerSec}/s topic=${o.topic} brokers=${o.brokers.join(',')} realtime=${o.realtime} workers=${o.workers}`)
  const kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.WARN })
  const partitionMetadata = await topicPartitions(kafka, o.topic, o.partitions)
  // Partition chosen here with kafkajs's own (Java-compatible murmur2) partitioner, memoised per install.
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionOf = new Map<string, number>()
  const producers = await Producers.start(Math.min(o.workers, partitionMetadata.length), { brokers: o.brokers, clientId: o.clientId, topic: o.topic })

  // Started after the broker setup so the first window is not a burst of catch-up traffic.
  const startMs = Date.now()
  const sim = new GatewaySimulator({ ...o, startMs })
  const enforced = o.policyUrl ? await followPolicy(sim, o) : null
  const source = enforced?.generator ?? sim
  for (const s of sim.schedule()) console.log(`[simulate] ${s.name}: ${new Date(s.startMs).toISOString()} → ${new Date(s.endMs).toISOString()}`)

  let stopping = false
  const stop = () => {
    if (stopping) process.exit(130) // second Ctrl-C: do not wait for the flush
    stopping = true
    console.log('[simulate] stopping: flushing in-flight messages (Ctrl-C again to abort)')
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  let labelCount = -1
  const saveLabels = () => {
    const labels = sim.labels()
    if (labels.length === labelCount) return
    writeLabels(o.labelsPath, labels)
    labelCount = labels.length
  }

  const ship = async (events: ReturnType<GatewaySimulator['generate']>) => {
    const per = Array.from({ length: producers.count }, () => ({ values: [] as string[], keys: [] as string[], partitions: [] as number[] }))
    for (const e of events) {
      const key = 'install_id' in e ? e.install_id : e.gateway_id
      let partition = partitionOf.get(key)
      if (partition === undefined) {
        partition = partitioner({ topic: o.topic, partitionMetadata, message: { key, value: null } })
        partitionOf.set(key, partition)
      }
      const p = per[partition % producers.count]
      p.values.push(JSON.stringify(e))
      p.keys.push(key)
      p.partitions.push(partition)
    }
    for (let w = 0; w < per.length; w++) {
      if (per[w].values.length === 0) continue
      const values = ownBytes(Buffer.from(per[w].values.join('\n')))
      await producers.send(w, { values, keys: per[w].keys.join('\n'), partitions: Int32Array.from(per[w].partitions) })
    }
  }

  const endMs = startMs + o.durationMs
  let cursor = startMs
  let generated = 0
  let last = { at: performance.now(), produced: 0 }
  const began = last.at
  const cpuAtStart = process.cpuUsage()
  const progress = setInterval(() => {
    const now = performance.now()
    const rate = ((producers.produced - last.produced) * 1000) / (now - last.at)
    last = { at: now, produced: producers.produced }
    const ahead = o.realtime ? '' : ` sim=+${((cursor - startMs) / 1000).toFixed(0)}s`
    console.log(`[simulate] ${((now - began) / 1000).toFixed(0)}s produced=${producers.produced} rate=${Math.round(rate)}/s${ahead} labels=${Math.max(labelCount, 0)}`)
  }, 1_000)

  try {
    while (!stopping && cursor < endMs) {
      const stepBegan = Date.now()
      // Realtime: everything up to the wall clock. Otherwise one simulated second per step, no waiting.
      const to = Math.min(endMs, o.realtime ? stepBegan : cursor + 1_000)
      if (to > cursor) {
        const events = source.generate(cursor, to)
        cursor = to
        generated += events.length
        await ship(events)
        saveLabels()
      }
      if (o.realtime) await sleep(Math.max(5, 100 - (Date.now() - stepBegan)))
    }
  } finally {
    clearInterval(progress)
    saveLabels()
    await producers.close()
    await enforced?.stop()
  }
  const seconds = (performance.now() - began) / 1000
  const cpu = process.cpuUsage(cpuAtStart)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  console.log(`[simulate] done: ${producers.produced}/${generated} events in ${seconds.toFixed(1)}s (${Math.round(producers.produced / seconds)}/s), `
    + `cpu ${cpuSeconds.toFixed(1)}s all threads (${Math.round(producers.produced / cpuSeconds)} events per cpu-second), labels → ${o.labelsPath}`)
}

const run = isMainThread ? main : producerThread
run().catch((err: unknown) => {
  console.error(`[simulate] ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
