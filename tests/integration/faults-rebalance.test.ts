import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import { loadConfig } from '../../lib/config'
import { startIngest } from '../../lib/runtime/ingest'
import { rows } from '../helpers/store'
import { closeIngestFixture, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { validRecords } from '../helpers/corpus'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, groupProgress, produce, uniqueName, waitFor } from '../../harness/kafka-io'

let store: TestStore
let kafka: Kafka
let admin: Admin

beforeAll(async () => {
  ;({ store, kafka, admin } = await openIngestFixture('rebalance'))
})
afterAll(() => closeIngestFixture({ store, admin }))

describe('rebalance of a busy group', () => {
  it('loses and duplicates nothing when a consumer joins and another leaves mid-stream', async () => {
    const topic = uniqueName('rebalance')
    const group = uniqueName('rebalance-group')
    await createTopic(admin, topic, 6)
    const config = loadConfig({
      INGEST_SOURCE: 'kafka',
      KAFKA_BROKERS: brokersFromEnv(),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP: group,
      INGEST_MAX_BATCH_ROWS: '200',
      INGEST_MAX_WAIT_MS: '100',
      KAFKA_SESSION_TIMEOUT_MS: '10000',
    })
    // Traffic keeps arriving in waves while the group changes, so each rebalance lands mid-batch. At least
    // MIN_WAVES, and on until the joining consumer has stored some (at most MAX_WAVES): on a loaded machine the
    // first consumer can drain a fixed number of waves before the second one joins, which would leave it idle.
    const MIN_WAVES = 8
    const MAX_WAVES = 40
    const perWave = 3_000
    let produced = 0
    let secondBusy = false
    const producing = (async () => {
      for (let w = 0; w < MAX_WAVES && (w < MIN_WAVES || !secondBusy); w++) {
        await produce(kafka, topic, validRecords(perWave, `rb${w}`))
        produced += perWave
        await new Promise((r) => setTimeout(r, 700))
      }
    })()
    const first = await startIngest(config, store, () => {})
    let second: Awaited<ReturnType<typeof startIngest>> = null
    try {
      await waitFor(
        'first consumer busy',
        () => groupProgress(admin, group, topic),
        (p) => p.committed > 2_000,
        60_000,
      )
      second = await startIngest(config, store, () => {})
      await waitFor(
        'both consumers busy',
        async () => second!.metrics.snapshot().eventsTotal,
        (n) => n > 0,
        60_000,
      )
      secondBusy = true
      await first!.stop()
      await producing
      await waitFor(
        'all offsets committed',
        () => groupProgress(admin, group, topic),
        (p) => p.committed === produced && p.end === produced,
        90_000,
      )
    } finally {
      await first?.stop().catch(() => {})
      await second?.stop()
    }
    const [ev] = await rows<{ n: string; u: string }>(store, `SELECT count() AS n, uniqExact(event_id) AS u FROM ${store.database}.events`)
    const [dl] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters`)
    console.log(`faults-rebalance: produced ${produced}, stored ${ev.n}, dead-lettered ${dl.n}, duplicates ${Number(ev.n) - Number(ev.u)}`)
    expect(Number(ev.n)).toBe(produced)
    expect(Number(ev.u)).toBe(produced)
    expect(Number(dl.n)).toBe(0)
  }, 150_000)
})
