// `npm run simulate -- --compression <codec>`: the simulator's producer threads really compress with that
// codec (a consumer without it sees only undecodable placeholders), the broker accepts the batches (it
// decompresses them to validate), and a consumer with every codec reads back every event.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin, Kafka } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerKafkaCodecs, UNDECODABLE_HEADER } from '../../lib/ingest/kafka-codecs'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, readWholeTopic, testKafka, uniqueName } from '../../harness/kafka-io'

const ROOT = join(__dirname, '..', '..')
let kafka: Kafka
let admin: Admin
const dir = mkdtempSync(join(tmpdir(), 'burnrate-sim-codec-'))

beforeAll(async () => {
  kafka = testKafka()
  admin = kafka.admin()
  await admin.connect()
})
afterAll(async () => {
  registerKafkaCodecs()
  await admin?.disconnect()
  rmSync(dir, { recursive: true, force: true })
})

function simulate(topic: string, codec: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/simulate.ts',
        '--brokers',
        brokersFromEnv(),
        '--topic',
        topic,
        '--partitions',
        '1',
        '--workers',
        '1',
        '--installs',
        '50',
        '--rate',
        '400',
        '--duration',
        '2',
        '--scenarios',
        '',
        '--no-realtime',
        '--compression',
        codec,
        '--labels',
        join(dir, `${topic}.jsonl`),
        '--json-summary',
      ],
      { cwd: ROOT, timeout: 90_000 },
      (err, out, errOut) => {
        if (err) return reject(new Error(`${err.message}\n${errOut}`))
        resolve(
          (
            JSON.parse(
              out
                .split('\n')
                .find((l) => l.startsWith('RESULT '))!
                .slice(7),
            ) as { produced: number }
          ).produced,
        )
      },
    ),
  )
}

describe('npm run simulate -- --compression', () => {
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${codec}: every event arrives, in ${codec}-compressed batches`, async () => {
      const topic = uniqueName(`sim-${codec}`)
      // Created with its leader in place first: a send right after creation can meet a broker not yet serving it.
      await createTopic(admin, topic, 1)
      const produced = await simulate(topic, codec)
      expect(produced).toBeGreaterThan(500)
      const all = await readWholeTopic(kafka, topic)
      expect(all).toHaveLength(produced)
      expect(all.every((m) => m.headers?.[UNDECODABLE_HEADER] === undefined && JSON.parse(m.value!.toString()).event_id)).toBe(true)
      // Without the codec this process cannot read one of them: they were all compressed with it.
      registerKafkaCodecs({ [codec]: null })
      try {
        const blind = await readWholeTopic(kafka, topic)
        expect(blind).toHaveLength(produced)
        expect(blind.every((m) => m.value === null && String(m.headers?.[UNDECODABLE_HEADER]).startsWith(`${codec}: no ${codec} codec`))).toBe(true)
      } finally {
        registerKafkaCodecs()
      }
    }, 120_000)
  }
})
