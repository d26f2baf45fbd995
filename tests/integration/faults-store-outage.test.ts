import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import type { Store } from '../../lib/clickhouse/client'
import { loadConfig } from '../../lib/config'
import { startIngest } from '../../lib/ingest/start'
import { rows, testStore } from '../helpers/store'
import { malformedRecords, validRecords } from '../helpers/corpus'
import { brokersFromEnv } from '../helpers/kafka-broker'
import { createTopic, groupProgress, produce, testKafka, uniqueName, waitFor } from '../helpers/kafka-io'

type TestStore = Awaited<ReturnType<typeof testStore>>
let store: TestStore
let kafka: Kafka
let admin: Admin

beforeAll(async () => {
  store = await testStore('outage')
  kafka = testKafka()
  admin = kafka.admin()
  await admin.connect()
})
afterAll(async () => {
  await admin?.disconnect()
  await store?.drop()
})

/**
 * The store as a consumer sees it when its ClickHouse server is dead: every
 * call fails the way an HTTP client does on a refused connection. (Embedded
 * chDB cannot be stopped under a live process, so the failure is injected at
 * the client boundary, which is all the pipeline can observe either way.)
 */
function flakyStore(inner: Store) {
  let down = false
  const refuse = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }))
  const client = new Proxy(inner.client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      if (['insert', 'query', 'command', 'exec', 'ping'].includes(String(prop))) {
        return (...args: unknown[]) => (down ? refuse() : (value as (...a: unknown[]) => unknown).apply(target, args))
      }
      return value.bind(target)
    },
  })
  const rawInsert = inner.rawInsert && ((p: Parameters<NonNullable<Store['rawInsert']>>[0]) => (down ? refuse() : inner.rawInsert!(p)))
  return { store: { ...inner, client, rawInsert } as Store, setDown: (d: boolean) => (down = d) }
}

describe('store unavailable for 30 s', () => {
  it('does not crash, commits nothing while down, and catches up afterwards', async () => {
    const topic = uniqueName('outage')
    const group = uniqueName('outage-group')
    await createTopic(admin, topic, 2)
    const N = 20_000
    const M = 200
    const flaky = flakyStore(store)
    await produce(kafka, topic, [...validRecords(N, 'out'), ...malformedRecords(M, 'out')])
    const handle = await startIngest(loadConfig({
      INGEST_SOURCE: 'kafka', KAFKA_BROKERS: brokersFromEnv(), KAFKA_TOPIC: topic, KAFKA_GROUP: group,
      INGEST_MAX_BATCH_ROWS: '250', INGEST_MAX_WAIT_MS: '200', INGEST_RETRY_MAX_MS: '5000',
    }), flaky.store, () => {})
    let committedAtDown = -1
    let committedAfter = -1
    let retriesWhileDown = 0
    try {
      await waitFor('some progress', () => groupProgress(admin, group, topic), (p) => p.committed >= 1_000, 60_000)
      flaky.setDown(true)
      const outageStart = Date.now()
      // A batch whose insert finished just before the outage may still commit; after that nothing may.
      await new Promise((r) => setTimeout(r, 2_000))
      committedAtDown = (await groupProgress(admin, group, topic)).committed
      const down = await waitFor('insert failures', async () => handle!.metrics.snapshot(), (h) => h.insertRetries >= 2 && h.paused, 20_000)
      expect(down.lastError?.message).toMatch(/ECONNREFUSED/)
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - outageStart))))
      committedAfter = (await groupProgress(admin, group, topic)).committed
      retriesWhileDown = handle!.metrics.snapshot().insertRetries
      flaky.setDown(false)
      await waitFor('catch-up', () => groupProgress(admin, group, topic), (p) => p.committed === N + M && p.end === N + M, 60_000)
    } finally {
      flaky.setDown(false)
      await handle?.stop()
    }
    const [ev] = await rows<{ n: string; u: string }>(store, `SELECT count() AS n, uniqExact(event_id) AS u FROM ${store.database}.events`)
    const [dl] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters`)
    console.log(`faults-store-outage: produced ${N + M}, stored ${ev.n}, dead-lettered ${dl.n}, duplicates ${Number(ev.n) - Number(ev.u)} (30 s down: ${retriesWhileDown} retries, committed offsets stayed at ${committedAtDown}: ${committedAfter})`)
    expect(committedAtDown).toBeLessThan(N + M)
    expect(committedAfter).toBe(committedAtDown)
    expect(retriesWhileDown).toBeGreaterThanOrEqual(3)
    expect(handle!.metrics.snapshot().paused).toBe(false)
    expect(Number(ev.n)).toBe(N)
    expect(Number(ev.u)).toBe(N)
    expect(Number(dl.n)).toBe(M)
  }, 120_000)
})
