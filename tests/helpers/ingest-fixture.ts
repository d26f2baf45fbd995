import type { Admin, Kafka } from 'kafkajs'
import { loadConfig } from '../../lib/config'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { testKafka } from '../../harness/kafka-io'
import { testStore } from './store'

export type TestStore = Awaited<ReturnType<typeof testStore>>

/** A migrated store of its own plus a connected admin client on the shared test broker. */
export async function openIngestFixture(prefix: string): Promise<{ store: TestStore; kafka: Kafka; admin: Admin }> {
  const store = await testStore(prefix)
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  return { store, kafka, admin }
}

export async function closeIngestFixture(f: { store?: TestStore; admin?: Admin }) {
  await f.admin?.disconnect()
  await f.store?.drop()
}

/** Configuration of a Kafka-sourced ingest on the shared test broker; small batches so tests see many of them. */
export function kafkaIngestConfig(topic: string, group: string, overrides: Record<string, string> = {}) {
  return loadConfig({
    INGEST_SOURCE: 'kafka',
    KAFKA_BROKERS: brokersFromEnv(),
    KAFKA_TOPIC: topic,
    KAFKA_GROUP: group,
    INGEST_MAX_BATCH_ROWS: '400',
    INGEST_MAX_WAIT_MS: '200',
    INGEST_RETRY_MAX_MS: '1000',
    ...overrides,
  })
}
