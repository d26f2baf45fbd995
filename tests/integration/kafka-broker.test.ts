// Real-broker smoke test: the broker comes from KAFKA_BROKERS (scripts/test.sh
// starts one; see docs/kafka.md). Exercises what the ingest path relies on:
// multi-partition topics, keyed produce, consumer groups with eachBatch and manual
// offset resolution/commit, and admin.fetchOffsets.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs'
import { brokerListFromEnv } from '../../harness/kafka-broker'

const MESSAGES = 300
const PARTITIONS = 3

describe('kafka broker (KAFKA_BROKERS)', () => {
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const topic = `it-kafka-broker-${runId}`
  const groupId = `it-kafka-broker-${runId}`
  let kafka: Kafka
  let admin: Admin
  let producer: Producer | undefined
  let consumer: Consumer | undefined

  beforeAll(async () => {
    // kafkajs logs retriable protocol errors (coordinator loading, rebalances) at
    // ERROR level; keep test output quiet.
    kafka = new Kafka({ clientId: `it-${runId}`, brokers: brokerListFromEnv(), logLevel: logLevel.NOTHING })
    admin = kafka.admin()
    await admin.connect()
  })

  afterAll(async () => {
    await consumer?.disconnect().catch(() => {})
    await producer?.disconnect().catch(() => {})
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {})
      await admin.deleteGroups([groupId]).catch(() => {})
      await admin.disconnect()
    }
  })

  it('delivers 300 keyed messages on a 3-partition topic exactly once to a group with manual commits', async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    })
    expect(created).toBe(true)
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
    expect(metadata.topics[0].partitions).toHaveLength(PARTITIONS)

    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    for (let start = 0; start < MESSAGES; start += 100) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 100 }, (_, j) => ({
          key: `user-${start + j}`,
          value: JSON.stringify({ seq: start + j }),
        })),
      })
    }
    const high = await admin.fetchTopicOffsets(topic)
    expect(high.reduce((sum, p) => sum + Number(p.high), 0)).toBe(MESSAGES)
    // keyed messages spread over all partitions
    for (const p of high) expect(Number(p.high)).toBeGreaterThan(0)

    const seen = new Map<number, number>()
    const lastOffset = new Map<number, bigint>()
    let outOfOrder = 0
    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break
          const { seq } = JSON.parse(message.value!.toString()) as { seq: number }
          seen.set(seq, (seen.get(seq) ?? 0) + 1)
          const offset = BigInt(message.offset)
          const prev = lastOffset.get(batch.partition)
          if (prev !== undefined && offset <= prev) outOfOrder++
          lastOffset.set(batch.partition, offset)
          resolveOffset(message.offset)
        }
        // autoCommit is off: commit exactly what this batch resolved.
        await commitOffsetsIfNecessary(uncommittedOffsets())
        await heartbeat()
      },
    })

    const deadline = Date.now() + 45_000
    const committedSum = async () => {
      const [res] = await admin.fetchOffsets({ groupId, topics: [topic] })
      return res.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)
    }
    while (Date.now() < deadline && (seen.size < MESSAGES || (await committedSum()) < MESSAGES)) {
      await new Promise((r) => setTimeout(r, 200))
    }
    // give a stray redelivery a chance to show up before asserting exactly-once
    await new Promise((r) => setTimeout(r, 500))
    await consumer.disconnect()
    consumer = undefined

    expect(seen.size).toBe(MESSAGES)
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i))
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(outOfOrder).toBe(0)

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    expect(offsets.partitions).toHaveLength(PARTITIONS)
    expect(offsets.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(MESSAGES)
    for (const p of offsets.partitions) {
      expect(p.offset).toBe(high.find((h) => h.partition === p.partition)!.high)
    }
  }, 90_000)
})
