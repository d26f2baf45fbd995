// `npm run simulate` → a real broker (KAFKA_BROKERS): every generated event arrives once, byte for byte
// what the simulator made, keyed by install id on the partition the Java client would choose, in
// time order per install. Runs the CLI as a child process with two producer threads, as fast as it goes.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayEventSchema } from '../../lib/events/schema'
import { GatewaySimulator } from '../../lib/simulator'
import { brokerListFromEnv } from '../../harness/kafka-broker'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SEED = 7
const OPTS = { installs: 400, ratePerSec: 3_000, seconds: 4 }
// Early attacks so the run carries scenario events and labels too.
const SETTINGS = { prompt_bomber: { offsetMs: 0 }, emulator_farm: { offsetMs: 0 } }

describe('npm run simulate → Kafka', () => {
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const topic = `it-simulate-${runId}`
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-simulate-'))
  let kafka: Kafka
  let admin: Admin

  beforeAll(async () => {
    kafka = new Kafka({ clientId: `it-${runId}`, brokers: brokerListFromEnv(), logLevel: logLevel.NOTHING })
    admin = kafka.admin()
    await admin.connect()
  })

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin?.deleteGroups([`it-${runId}`]).catch(() => {})
    await admin?.disconnect()
    rmSync(dir, { recursive: true, force: true })
  })

  it('produces exactly the simulator events, keyed and partitioned like a gateway, with labels', async () => {
    const labels = join(dir, 'labels.jsonl')
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          'cli/simulate.ts',
          '--brokers',
          brokerListFromEnv().join(','),
          '--topic',
          topic,
          '--partitions',
          '3',
          '--seed',
          String(SEED),
          '--installs',
          String(OPTS.installs),
          '--rate',
          String(OPTS.ratePerSec),
          '--duration',
          String(OPTS.seconds),
          '--scenarios',
          'prompt_bomber,emulator_farm',
          '--settings',
          JSON.stringify(SETTINGS),
          '--diurnal',
          '0',
          '--no-realtime',
          '--workers',
          '2',
          '--labels',
          labels,
          '--json-summary',
        ],
        { cwd: ROOT, timeout: 90_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      ),
    )
    const summary = JSON.parse(
      stdout
        .split('\n')
        .find((l) => l.startsWith('RESULT '))!
        .slice(7),
    ) as { produced: number; generated: number; threads: number }
    expect(summary.threads).toBe(2)
    expect(summary.produced).toBe(summary.generated)
    expect(summary.produced).toBeGreaterThan(OPTS.ratePerSec * OPTS.seconds * 0.9)

    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(summary.produced)

    const received: { key: string; value: string; partition: number }[] = []
    const consumer = kafka.consumer({ groupId: `it-${runId}` })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${summary.produced}`)), 60_000)
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: message.key!.toString(), value: message.value!.toString(), partition })
          if (received.length === summary.produced) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
    await consumer.disconnect()

    // The same run in process: the start time is part of every event id (`<seed36>-<start36>-<n36>`).
    const startMs = parseInt(JSON.parse(received[0].value).event_id.split('-')[1], 36)
    const sim = new GatewaySimulator({
      seed: SEED,
      installs: OPTS.installs,
      ratePerSec: OPTS.ratePerSec,
      scenarios: ['prompt_bomber', 'emulator_farm'],
      scenarioSettings: SETTINGS,
      startMs,
      diurnalAmplitude: 0,
    })
    const expected = sim.generate(startMs, startMs + OPTS.seconds * 1_000).map((e) => JSON.stringify(e))
    expect([...received.map((r) => r.value)].sort()).toEqual([...expected].sort())

    const metadata = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions
    const partitioner = Partitioners.DefaultPartitioner()
    const lastTs = new Map<string, number>()
    let outOfOrder = 0
    for (const r of received) {
      const e = gatewayEventSchema.parse(JSON.parse(r.value))
      expect(r.key).toBe('install_id' in e ? e.install_id : e.gateway_id)
      expect(r.partition).toBe(partitioner({ topic, partitionMetadata: metadata, message: { key: r.key, value: null } }))
      // eachMessage delivers each partition in offset order: per install, time must not go back.
      if ((lastTs.get(r.key) ?? -Infinity) > e.ts) outOfOrder++
      lastTs.set(r.key, e.ts)
    }
    expect(outOfOrder).toBe(0)

    const labelLines = readFileSync(labels, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { scenario: string })
    expect(new Set(labelLines.map((l) => l.scenario))).toEqual(new Set(['prompt_bomber', 'emulator_farm']))
  })
})
