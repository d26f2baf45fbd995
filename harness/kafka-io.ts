import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'kafkajs'
import { brokersFromEnv } from './kafka-broker'
import '../lib/ingest/kafka-codecs'

export function testKafka(brokers = brokersFromEnv()) {
  return new Kafka({ clientId: 'burnrate-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
}

export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`

export async function createTopic(admin: Admin, topic: string, partitions: number) {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true })
}

export interface RawRecord {
  key: string | null
  value: Buffer | string | null
}

/** Produces records in chunks with acks=all, so they are durable before the test goes on. */
export async function produce(kafka: Kafka, topic: string, records: RawRecord[]) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  // Keep each request under the broker's 1 MiB record-batch limit.
  let chunk: RawRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = record.value?.length ?? 0
    if (chunk.length > 0 && bytes + size > 512 * 1024) {
      await producer.send({ topic, acks: -1, messages: chunk })
      chunk = []
      bytes = 0
    }
    chunk.push(record)
    bytes += size
  }
  if (chunk.length > 0) await producer.send({ topic, acks: -1, messages: chunk })
  await producer.disconnect()
}

/** Sum over partitions of the group's committed offsets and of the topic's high watermarks. */
export async function groupProgress(admin: Admin, groupId: string, topic: string) {
  const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })])
  const end = high.reduce((s, p) => s + Number(p.high), 0)
  const done = (committed[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
  return { end, committed: done }
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await probe()
    if (ok(last)) return last
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`)
}

/** Every record of a single-partition topic so far, in order, as a consumer reading from the beginning sees them. */
export async function readWholeTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin()
  await admin.connect()
  const end = Number((await admin.fetchTopicOffsets(topic))[0].high)
  await admin.disconnect()
  const out: KafkaMessage[] = []
  if (end === 0) return out
  const consumer = kafka.consumer({ groupId: uniqueName('it-read'), maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let done!: () => void
  const all = new Promise<void>((r) => (done = r))
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push(message)
      if (Number(message.offset) + 1 >= end) done()
    },
  })
  await all
  await consumer.disconnect()
  return out
}
