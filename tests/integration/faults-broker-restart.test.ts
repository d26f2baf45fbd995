import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import { loadConfig } from '../../lib/config'
import { startIngest } from '../../lib/runtime/ingest'
import { rows, testStore } from '../helpers/store'
import { malformedRecords, validRecords } from '../helpers/corpus'
import { startBroker, stopBroker } from '../../harness/kafka-broker'
import { createTopic, groupProgress, produce, testKafka, uniqueName, waitFor } from '../../harness/kafka-io'

// Its own broker run: stopping the shared one would break the other files.
const BROKER = `faults-restart-${process.pid}`
type TestStore = Awaited<ReturnType<typeof testStore>>
let store: TestStore
let brokers: string

beforeAll(async () => {
  store = await testStore('restart')
  brokers = (await startBroker(BROKER)).brokers
}, 240_000)
afterAll(async () => {
  await stopBroker(BROKER).catch(() => {})
  await store?.drop()
}, 60_000)

async function withAdmin<T>(fn: (admin: Admin, kafka: Kafka) => Promise<T>): Promise<T> {
  const kafka = testKafka(brokers)
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await fn(admin, kafka)
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

describe('broker stopped and restarted while consuming', () => {
  it('reconnects and finishes with every event stored once', async () => {
    const topic = uniqueName('restart')
    const group = uniqueName('restart-group')
    const N = 30_000
    const M = 200
    await withAdmin(async (admin, kafka) => {
      await createTopic(admin, topic, 2)
      await produce(kafka, topic, [...validRecords(N, 'br'), ...malformedRecords(M, 'br')])
    })
    const handle = await startIngest(
      loadConfig({
        INGEST_SOURCE: 'kafka',
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC: topic,
        KAFKA_GROUP: group,
        INGEST_MAX_BATCH_ROWS: '300',
        INGEST_MAX_WAIT_MS: '100',
        KAFKA_SESSION_TIMEOUT_MS: '10000',
      }),
      store,
      () => {},
    )
    let committedAtStop = 0
    try {
      committedAtStop = await withAdmin(
        async (admin) =>
          (
            await waitFor(
              'some progress',
              () => groupProgress(admin, group, topic),
              (p) => p.committed > 0,
              60_000,
            )
          ).committed,
      )
      await stopBroker(BROKER)
      await new Promise((r) => setTimeout(r, 5_000))
      await startBroker(BROKER, { keepData: true })
      await withAdmin((admin) =>
        waitFor(
          'all offsets committed after restart',
          () => groupProgress(admin, group, topic),
          (p) => p.committed === N + M,
          120_000,
        ),
      )
    } finally {
      await handle?.stop()
    }
    const db = store.database
    const [ev] = await rows<{ n: string; u: string }>(store, `SELECT count() AS n, uniqExact(event_id) AS u FROM ${db}.events`)
    const [dl] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.dead_letters`)
    console.log(
      `faults-broker-restart: produced ${N + M}, stored ${ev.n}, dead-lettered ${dl.n}, duplicates ${Number(ev.n) - Number(ev.u)} (broker stopped at ${committedAtStop} committed)`,
    )
    expect(committedAtStop).toBeLessThan(N + M)
    expect(Number(ev.n)).toBe(N)
    expect(Number(ev.u)).toBe(N)
    expect(Number(dl.n)).toBe(M)
  }, 300_000)
})
