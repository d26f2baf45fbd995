import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin } from 'kafkajs'
import { startIngest, type IngestHandle } from '../../lib/runtime/ingest'
import { closeIngestFixture, kafkaIngestConfig, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { caseCounts, invalidSteps, validSteps } from '../helpers/java-cases'
import { runJavaProducer, type JavaStep } from '../helpers/java-producer'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, uniqueName, waitFor } from '../../harness/kafka-io'
import { rows } from '../helpers/store'

// A transactional Java producer: committed transactions are stored, aborted
// ones never are (the consumer reads with isolation READ_COMMITTED, kafkajs'
// default, and skips aborted batches and the transaction markers).

let store: TestStore
let admin: Admin
let handle: IngestHandle | null = null
const PARTITIONS = 3

beforeAll(async () => {
  ;({ store, admin } = await openIngestFixture('javatx'))
})
afterAll(async () => {
  await handle?.stop()
  await closeIngestFixture({ store, admin })
})

describe('a transactional Java producer', () => {
  for (const codec of ['none', 'zstd'] as const) {
    it(`stores committed transactions and never aborted ones (compression.type=${codec})`, async () => {
      const topic = uniqueName(`javatx-${codec}`)
      const group = uniqueName('javatx-group')
      await createTopic(admin, topic, PARTITIONS)
      const steps: JavaStep[] = [
        'begin',
        ...validSteps('c1', 300),
        ...invalidSteps('c1', 6),
        'commit',
        'begin',
        ...validSteps('a1', 200),
        ...invalidSteps('a1', 5),
        'flush',
        'abort',
        'begin',
        ...validSteps('c2', 150),
        'commit',
        'begin',
        ...validSteps('a2', 120),
        ...invalidSteps('a2', 3),
        'flush',
        'abort',
        // Last, on every partition: once these are stored, everything before them was read.
        'begin',
        ...Array.from({ length: PARTITIONS }, (_, p) => validSteps(`end${p}`, 2, { partition: p })).flat(),
        'commit',
      ]
      await runJavaProducer(brokersFromEnv(), topic, steps, { 'transactional.id': uniqueName('tx'), 'compression.type': codec })
      handle = await startIngest(kafkaIngestConfig(topic, group), store, () => {})
      try {
        await waitFor(
          'the last transaction stored on every partition',
          async () => Promise.all(Array.from({ length: PARTITIONS }, (_, p) => caseCounts(store, topic, `end${p}`))),
          (c) => c.every((x) => x.events === 2),
          150_000,
        )
        // Rows are visible before the dead letters of the same range are inserted; its commit follows both.
        const last = await rows<{ p: number; o: string }>(
          store,
          `SELECT src_partition AS p, max(src_offset) AS o FROM ${store.database}.events WHERE src_topic = {topic:String} GROUP BY p`,
          { topic },
        )
        await waitFor(
          'the last transaction committed',
          async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions,
          (ps) => last.every((l) => Number(ps.find((x) => x.partition === Number(l.p))?.offset ?? -1) > Number(l.o)),
          120_000,
        )
        // The aborted transactions' records were written (and flushed) before the commit that follows them.
        const [high] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events WHERE src_topic = {topic:String}`, { topic })
        expect(Number(high.n)).toBe(300 + 150 + 2 * PARTITIONS)
        expect(await caseCounts(store, topic, 'c1')).toEqual({ events: 300, unique: 300, dead: 6 })
        expect(await caseCounts(store, topic, 'c2')).toEqual({ events: 150, unique: 150, dead: 0 })
        expect(await caseCounts(store, topic, 'a1')).toEqual({ events: 0, unique: 0, dead: 0 })
        expect(await caseCounts(store, topic, 'a2')).toEqual({ events: 0, unique: 0, dead: 0 })
        const [dead] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters WHERE src_topic = {topic:String}`, { topic })
        expect(Number(dead.n)).toBe(6)
        // The Kafka log holds more than was stored: aborted records and transaction markers take offsets.
        const end = (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0)
        expect(end).toBeGreaterThan(300 + 6 + 150 + 2 * PARTITIONS + 200 + 5 + 120 + 3)
        expect(handle!.metrics.snapshot().status).toBe('ok')
      } finally {
        await handle?.stop()
        handle = null
      }
    }, 250_000)
  }
})
