import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin } from 'kafkajs'
import { CODEC_NAMES } from '../../lib/ingest/kafka-codecs'
import { startIngest, type IngestHandle } from '../../lib/runtime/ingest'
import { closeIngestFixture, kafkaIngestConfig, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { caseCounts, invalidSteps, validSteps } from '../helpers/java-cases'
import { runJavaProducer } from '../helpers/java-producer'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, groupProgress, uniqueName, waitFor } from '../../harness/kafka-io'

// Apache Kafka's Java producer, the client most JVM gateways use, writes the
// ingest topic with every codec, idempotence on and off, headers, null keys
// and keys that are not the install id; our consumer stores exactly the valid
// events once and dead-letters exactly the invalid ones.

let store: TestStore
let admin: Admin
let handle: IngestHandle | null = null
const topic = uniqueName('java')
const group = uniqueName('java-group')
const VALID = 240
const INVALID = 8

beforeAll(async () => {
  ;({ store, admin } = await openIngestFixture('java'))
  await createTopic(admin, topic, 3)
  handle = await startIngest(kafkaIngestConfig(topic, group), store, () => {})
})
afterAll(async () => {
  await handle?.stop()
  await closeIngestFixture({ store, admin })
})

/** Waits until the group has committed everything in the topic: nothing more can arrive. */
async function drained() {
  await waitFor(
    'every offset committed',
    () => groupProgress(admin, group, topic),
    (p) => p.end > 0 && p.committed === p.end,
    150_000,
  )
}

describe('events from the Java producer', () => {
  for (const codec of CODEC_NAMES) {
    for (const idempotent of [true, false]) {
      it(`compression.type=${codec}, enable.idempotence=${idempotent}`, async () => {
        const tag = `${codec}-${idempotent ? 'idem' : 'plain'}`
        // Idempotence needs acks=all; without it, the Java client's old default acks=1.
        const props = { 'compression.type': codec, 'enable.idempotence': String(idempotent), acks: idempotent ? 'all' : '1', 'batch.size': '65536' }
        const sent = await runJavaProducer(brokersFromEnv(), topic, [...validSteps(tag, VALID), ...invalidSteps(tag, INVALID)], props)
        expect(sent).toBe(VALID + INVALID)
        await drained()
        expect(await caseCounts(store, topic, tag)).toEqual({ events: VALID, unique: VALID, dead: INVALID })
      }, 200_000)
    }
  }

  it('records with headers, null keys and keys that are not the install id', async () => {
    const tag = 'keys'
    const steps = validSteps(tag, VALID, {
      // A third null, a third keyed by the gateway (not the install), a third by the install id.
      key: (i, install) => (i % 3 === 0 ? null : i % 3 === 1 ? `gateway-${i % 4}` : install),
      headers: (i): Record<string, string> =>
        i % 2 === 0 ? { 'content-type': 'application/json', traceparent: `00-${String(i).padStart(32, '0')}-00f067aa0ba902b7-01` } : {},
    })
    const sent = await runJavaProducer(brokersFromEnv(), topic, [...steps, ...invalidSteps(tag, INVALID)], { 'compression.type': 'lz4' })
    expect(sent).toBe(VALID + INVALID)
    await drained()
    expect(await caseCounts(store, topic, tag)).toEqual({ events: VALID, unique: VALID, dead: INVALID })
    expect(handle!.metrics.snapshot().status).toBe('ok')
  }, 200_000)
})
