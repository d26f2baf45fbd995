import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompressionCodecs, CompressionTypes, KafkaJSNotImplemented } from 'kafkajs'
import type { Admin } from 'kafkajs'
import { registerKafkaCodecs } from '../../lib/ingest/kafka-codecs'
import { overallIngestStatus, type IngestHealth } from '../../lib/ingest/health'
import { startIngest, type IngestHandle } from '../../lib/runtime/ingest'
import { llmRequest } from '../helpers/events'
import { closeIngestFixture, kafkaIngestConfig, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { runJavaProducer, type JavaStep } from '../helpers/java-producer'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, uniqueName, waitFor } from '../../harness/kafka-io'
import { rows } from '../helpers/store'

// A batch this process cannot decode: zstd is left unavailable in this test's
// consumer (registerKafkaCodecs({ zstd: null })), as a codec that fails would be.

let store: TestStore
let admin: Admin

beforeAll(async () => {
  ;({ store, admin } = await openIngestFixture('stuck'))
})
afterAll(async () => {
  registerKafkaCodecs()
  await closeIngestFixture({ store, admin })
})

const events = (n: number, partition: number, tag: string): JavaStep[] =>
  Array.from({ length: n }, (_, i) => ({ send: { key: `inst-${tag}-${i % 7}`, value: JSON.stringify(llmRequest({ event_id: `${tag}-${i}` })), partition } }))

const java = (topic: string, steps: JavaStep[], compression: string) =>
  runJavaProducer(brokersFromEnv(), topic, steps, { 'compression.type': compression, acks: 'all' })

const stored = async (topic: string, partition: number) =>
  Number(
    (
      await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events WHERE src_topic = {t:String} AND src_partition = {p:UInt16}`, {
        t: topic,
        p: partition,
      })
    )[0].n,
  )

const committed = async (group: string, topic: string, partition: number) => {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return Number(t?.partitions.find((p) => p.partition === partition)?.offset ?? -1)
}

describe('a batch the consumer cannot decode', () => {
  it('holds its partition at that offset, shows it in health, keeps retrying, and the other partitions go on', async () => {
    registerKafkaCodecs({ zstd: null })
    const topic = uniqueName('stuck')
    const group = uniqueName('stuck-group')
    await createTopic(admin, topic, 3)
    // Partition 0: offsets 0-9 plain, 10-14 one zstd batch, 15-19 plain. Partition 1: 0-11 plain.
    await java(topic, [...events(10, 0, 'p0a'), ...events(12, 1, 'p1a')], 'none')
    await java(topic, events(5, 0, 'p0z'), 'zstd')
    await java(topic, events(5, 0, 'p0b'), 'none')

    const logs: string[] = []
    let handle: IngestHandle | null = await startIngest(kafkaIngestConfig(topic, group), store, (l) => logs.push(l))
    try {
      const metrics = handle!.metrics
      const h = await waitFor(
        'partition 0 held and retried',
        async () => metrics.snapshot(),
        (s) => (s.stuck[0]?.attempts ?? 0) >= 2,
        120_000,
      )
      expect(h.status).toBe('error')
      expect(h.stuck).toHaveLength(1)
      expect(h.stuck[0]).toMatchObject({ topic, partition: 0, offset: 10, lastOffset: 14 })
      expect(h.stuck[0].error).toMatch(/zstd/)
      expect(h.problems[0]).toMatch(new RegExp(`${topic} partition 0 stuck at offset 10`))
      expect(h.consumer?.state).toBe('running')
      expect(overallIngestStatus(h, []).status).toBe('error')
      expect(logs.some((l) => /partition 0: stuck at offset 10/.test(l))).toBe(true)

      // Valid data produced afterwards on other partitions still flows.
      await java(topic, [...events(8, 1, 'p1b'), ...events(9, 2, 'p2')], 'gzip')
      await waitFor(
        'partitions 1 and 2 stored',
        async () => [await stored(topic, 1), await stored(topic, 2)],
        ([a, b]) => a === 20 && b === 9,
        120_000,
      )
      await waitFor(
        'partitions 1 and 2 committed',
        async () => [await committed(group, topic, 1), await committed(group, topic, 2)],
        ([a, b]) => a === 20 && b === 9,
        120_000,
      )
      // Nothing at or past the undecodable batch is stored or committed.
      expect(await stored(topic, 0)).toBe(10)
      expect(await committed(group, topic, 0)).toBe(10)
      expect(metrics.snapshot().stuck[0].offset).toBe(10)
      await handle!.stop()
      handle = null

      // An operator who cannot get a codec for it records the range as a dead letter instead.
      handle = await startIngest(kafkaIngestConfig(topic, group, { INGEST_UNDECODABLE: 'dead-letter' }), store, (l) => logs.push(l))
      await waitFor(
        'partition 0 past the range',
        () => committed(group, topic, 0),
        (o) => o === 20,
        120_000,
      )
      expect(await stored(topic, 0)).toBe(15)
      const dead = await rows<{ reason: string; src_partition: number; src_offset: string; payload: string }>(
        store,
        `SELECT reason, src_partition, src_offset, payload FROM ${store.database}.dead_letters WHERE src_topic = {t:String}`,
        { t: topic },
      )
      expect(dead).toHaveLength(1)
      expect({ ...dead[0], src_offset: Number(dead[0].src_offset) }).toMatchObject({ reason: 'undecodable_batch', src_partition: 0, src_offset: 10 })
      expect(JSON.parse(dead[0].payload)).toMatchObject({ topic, partition: 0, first_offset: 10, last_offset: 14 })
      expect(handle!.metrics.snapshot().status).toBe('ok')
    } finally {
      await handle?.stop()
      registerKafkaCodecs()
    }
  }, 400_000)

  it('restarts a consumer kafkajs gave up on, with back-off, and shows it as down meanwhile', async () => {
    // kafkajs' own behaviour for a codec nobody registered: its lookup throws "not implemented", which
    // fails the whole fetch and crashes the consumer with restart: false (the reported incident).
    const registry = CompressionCodecs as unknown as Record<number, () => unknown>
    const NotImplemented = KafkaJSNotImplemented as unknown as new (message: string) => Error // its typings omit the message
    registry[CompressionTypes.LZ4] = () => {
      throw new NotImplemented('LZ4 compression not implemented')
    }
    const topic = uniqueName('crash')
    const group = uniqueName('crash-group')
    await createTopic(admin, topic, 2)
    await java(topic, [...events(6, 0, 'c0'), ...events(4, 1, 'c1')], 'lz4')
    const logs: string[] = []
    const handle = await startIngest(kafkaIngestConfig(topic, group), store, (l) => logs.push(l))
    try {
      const metrics = handle!.metrics
      const down = await waitFor(
        'consumer restarted twice',
        async () => metrics.snapshot(),
        (s) => (s.consumer?.restarts ?? 0) >= 2 && s.consumer?.state === 'restarting',
        120_000,
      )
      expect(down.status).toBe('error')
      expect(down.consumer?.lastCrash?.message).toMatch(/LZ4 compression not implemented/)
      expect(down.problems[0]).toMatch(/Kafka consumer down/)
      expect(logs.some((l) => /starting a new consumer in \d+ ms/.test(l))).toBe(true)
      expect((await stored(topic, 0)) + (await stored(topic, 1))).toBe(0)

      // The codec is back (a fixed deployment): the next restart consumes everything, nothing lost.
      registerKafkaCodecs()
      await waitFor(
        'all stored',
        async () => [await stored(topic, 0), await stored(topic, 1)],
        ([a, b]) => a === 6 && b === 4,
        150_000,
      )
      await waitFor(
        'all committed',
        async () => [await committed(group, topic, 0), await committed(group, topic, 1)],
        ([a, b]) => a === 6 && b === 4,
      )
      const up: IngestHealth = await waitFor(
        'consumer running',
        async () => metrics.snapshot(),
        (s) => s.consumer?.state === 'running',
      )
      expect(up.status).toBe('ok')
    } finally {
      await handle?.stop()
      registerKafkaCodecs()
    }
  }, 400_000)
})
