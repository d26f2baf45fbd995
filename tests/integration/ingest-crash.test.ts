import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin, Kafka } from 'kafkajs'
import { openStore } from '../../lib/clickhouse/client'
import { rows, storeConfig } from '../helpers/store'
import { malformedRecords, validRecords } from '../helpers/corpus'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, groupProgress, produce, testKafka, uniqueName, waitFor } from '../../harness/kafka-io'
import { exited, spawnIngest } from '../helpers/ingest-process'

// The ingest child owns the chDB directory while it runs (one process per
// directory), so this file opens the store only after the last child exited.
let kafka: Kafka
let admin: Admin

beforeAll(async () => {
  kafka = testKafka()
  admin = kafka.admin()
  await admin.connect()
})
afterAll(async () => {
  await admin?.disconnect()
})

describe('ingest process killed mid-stream', () => {
  it('ends with exactly one row per valid event after repeated SIGKILLs', async () => {
    const topic = uniqueName('crash')
    const group = uniqueName('crash-group')
    const database = uniqueName('crash').replace(/-/g, '_')
    const dataDir = mkdtempSync(join(tmpdir(), 'burnrate-crash-'))
    await createTopic(admin, topic, 3)
    const N = 24_000
    const M = 240
    await produce(kafka, topic, [...validRecords(N, 'k'), ...malformedRecords(M, 'k')])
    const env = {
      INGEST_SOURCE: 'kafka',
      KAFKA_BROKERS: brokersFromEnv(),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP: group,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      DATA_DIR: dataDir,
      CLICKHOUSE_DATABASE: database,
      INGEST_MAX_BATCH_ROWS: '250',
      INGEST_MAX_WAIT_MS: '100',
    }
    const total = N + M
    let kills = 0
    for (const fraction of [0.2, 0.45, 0.7]) {
      const child = spawnIngest(env)
      await waitFor(
        `commits past ${fraction}`,
        () => groupProgress(admin, group, topic),
        (p) => p.committed >= total * fraction,
        90_000,
      )
      // A random extra delay lands the kill at a different point of the insert/commit cycle each time.
      await new Promise((r) => setTimeout(r, Math.random() * 150))
      child.kill('SIGKILL')
      await exited(child)
      kills += 1
    }
    const last = spawnIngest(env)
    await waitFor(
      'all offsets committed',
      () => groupProgress(admin, group, topic),
      (p) => p.committed === total,
      120_000,
    )
    last.kill('SIGTERM')
    const code = await exited(last)
    expect(code, last.output().slice(-2000)).toBe(0)
    expect(last.output()).toMatch(/stopped:/)

    const store = await openStore(storeConfig(database, dataDir))
    try {
      const db = database
      const [r] = await rows<Record<string, string>>(store, `SELECT count() AS n, uniqExact(event_id) AS u, sum(cost_micros) AS cost FROM ${db}.events`)
      const [d] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.dead_letters`)
      const [rolled] = await rows<{ requests: string; cost: string }>(
        store,
        `SELECT sum(requests) AS requests, sum(cost_micros) AS cost FROM ${db}.usage_minute`,
      )
      const [rawRequests] = await rows<{ n: string }>(store, `SELECT countIf(type IN ('llm_request','stream')) AS n FROM ${db}.events`)
      console.log(
        `crash test: produced ${N} valid + ${M} malformed, ${kills} SIGKILLs; stored ${r.n} rows (${Number(r.n) - Number(r.u)} duplicates), ${d.n} dead letters`,
      )
      expect(Number(r.n)).toBe(N)
      expect(Number(r.u)).toBe(N)
      expect(Number(d.n)).toBe(M)
      expect(rolled.requests).toBe(rawRequests.n)
      expect(rolled.cost).toBe(r.cost)
    } finally {
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 400_000)
})
