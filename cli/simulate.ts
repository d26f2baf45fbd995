/**
 * Gateway simulator → Kafka. `npm run simulate -- --help` for options.
 * Messages are keyed by install_id, like a real gateway, so per-install order
 * holds within a partition. This thread generates and serializes the events;
 * kafkajs runs on producer threads (lib/simulator/kafka-producers.ts), one per
 * core by default: with --no-realtime it reaches ~50k events/s on 2 cores
 * shared with a local broker and nothing else (docs/kafka.md).
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Kafka, logLevel, type PartitionMetadata } from 'kafkajs'
import { enforcedByPolicyTopic } from '../lib/simulator/follow-policy'
import { ProducerPool, keyPartitioner } from '../lib/simulator/kafka-producers'
import { CODEC_NAMES, type CodecName } from '../lib/ingest/kafka-codecs'
import { loadConfig, settings } from '../lib/config'
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
  --compression <c>     record-batch compression: ${CODEC_NAMES.join('|')} (default none)
  --workers <n>         producer threads (default: cores, at most 4 and at most the partitions); kafkajs
                        costs ~20 µs of CPU per message, twice what generating and serializing it costs
  --policy-url <url>    follow the signed policy topic like a gateway (keys from <url>/api/policy/jwks;
                        needs BURNRATE_GATEWAY_TOKEN); denied calls become policy_denial events
  --policy-topic <name> policy topic (default POLICY_TOPIC)
  --no-realtime         generate as fast as possible (timestamps still start now and run ahead of the clock)
  --json-summary        print a last line "RESULT {json}" with the counts and timings (benchmarks)
`

function num(name: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw new Error(`--${name} must be a number in [${min}, ${max}], got "${text}"`)
  return value
}

function options(argv: string[]) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rate: { type: 'string' },
      seed: { type: 'string' },
      installs: { type: 'string' },
      tenants: { type: 'string' },
      scenarios: { type: 'string' },
      intensity: { type: 'string' },
      settings: { type: 'string' },
      diurnal: { type: 'string' },
      duration: { type: 'string' },
      labels: { type: 'string' },
      brokers: { type: 'string' },
      topic: { type: 'string' },
      partitions: { type: 'string' },
      compression: { type: 'string' },
      workers: { type: 'string' },
      'policy-url': { type: 'string' },
      'policy-topic': { type: 'string' },
      realtime: { type: 'boolean' },
      'no-realtime': { type: 'boolean' },
      'json-summary': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const cfg = loadConfig()
  const compression = (v.compression ?? 'none') as CodecName
  if (!CODEC_NAMES.includes(compression)) throw new Error(`--compression must be one of ${CODEC_NAMES.join(', ')}, got "${v.compression}"`)
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
    scenarios,
    scenarioSettings,
    durationMs: v.duration === undefined ? Infinity : num('duration', v.duration, 0, 0.001) * 1000,
    labelsPath: v.labels ?? './data/labels.jsonl',
    brokers: (v.brokers ?? cfg.KAFKA_BROKERS)
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    topic: v.topic ?? cfg.KAFKA_TOPIC,
    partitions: Math.floor(num('partitions', v.partitions, 4, 1, 10_000)),
    compression,
    workers: Math.floor(num('workers', v.workers, Math.min(4, availableParallelism()), 1, 64)),
    realtime: v['no-realtime'] ? false : (v.realtime ?? true),
    clientId: `${cfg.KAFKA_CLIENT_ID}-simulator`,
    policyUrl: v['policy-url'],
    policyTopic: v['policy-topic'] ?? cfg.POLICY_TOPIC,
    jsonSummary: v['json-summary'] ?? false,
  }
}

/** --policy-url: enforce the signed policy topic, as a real gateway would (token from BURNRATE_GATEWAY_TOKEN). */
async function followPolicy(sim: GatewaySimulator, o: ReturnType<typeof options>) {
  const token = settings(['BURNRATE_GATEWAY_TOKEN']).BURNRATE_GATEWAY_TOKEN
  if (!token) throw new Error("--policy-url needs BURNRATE_GATEWAY_TOKEN, one of the tokens in the app's POLICY_GATEWAY_TOKENS")
  return enforcedByPolicyTopic(sim, { brokers: o.brokers, topic: o.policyTopic, policyUrl: o.policyUrl!, gatewayToken: token })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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
  console.log(
    `[simulate] seed=${o.seed} installs=${o.installs} rate=${o.ratePerSec}/s topic=${o.topic} brokers=${o.brokers.join(',')} realtime=${o.realtime} workers=${o.workers} compression=${o.compression}`,
  )
  const kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.WARN })
  const partitionMetadata = await topicPartitions(kafka, o.topic, o.partitions)
  const partitionOf = keyPartitioner(o.topic, partitionMetadata)
  const producers = await ProducerPool.start(
    { brokers: o.brokers, clientId: o.clientId, topic: o.topic },
    { threads: Math.min(o.workers, partitionMetadata.length), compression: o.compression },
  )

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
    console.log(
      `[simulate] ${((now - began) / 1000).toFixed(0)}s produced=${producers.produced} rate=${Math.round(rate)}/s${ahead} labels=${Math.max(labelCount, 0)}`,
    )
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
        // Serialized and packed one by one: the producer threads start on the first full buffer.
        for (const e of events) {
          const key = e.type === 'policy_ack' ? e.gateway_id : e.install_id
          const wait = producers.add(key, JSON.stringify(e), partitionOf(key))
          if (wait) await wait
        }
        await producers.flush()
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
  console.log(
    `[simulate] done: ${producers.produced}/${generated} events in ${seconds.toFixed(1)}s (${Math.round(producers.produced / seconds)}/s), ` +
      `cpu ${cpuSeconds.toFixed(1)}s all threads (${Math.round(producers.produced / cpuSeconds)} events per cpu-second), labels → ${o.labelsPath}`,
  )
  if (o.jsonSummary) console.log(`RESULT ${JSON.stringify({ produced: producers.produced, generated, seconds, cpuSeconds, threads: producers.threads })}`)
}

main().catch((err: unknown) => {
  console.error(`[simulate] ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
