import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin, Kafka } from 'kafkajs'
import { openStore, type Store } from '../../lib/clickhouse/client'
import { startIngest } from '../../lib/runtime/ingest'
import { validRecords } from '../helpers/corpus'
import { exited, spawnIngest } from '../helpers/ingest-process'
import { kafkaIngestConfig } from '../helpers/ingest-fixture'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, groupProgress, produce, testKafka, uniqueName, waitFor, type RawRecord } from '../../harness/kafka-io'
import { rollupsVsDeduplicated } from '../helpers/rollup-check'
import { rows, storeConfig } from '../helpers/store'

// A gateway re-sends events it is unsure were delivered. A re-send read by the
// process that stored the original was always caught by its recent-id memory;
// these are the re-sends read by a process that did not: after a SIGKILL and a
// restart, and by a consumer that joined the group and took partitions over.
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

/** Every tenth record, the same bytes under the same key: what a gateway re-sends. */
const tenth = (records: RawRecord[]) => records.filter((_, i) => i % 10 === 3)

describe('re-sent events', () => {
  it('are stored once and counted once in every rollup, after a crash restart and after a rebalance', async () => {
    const topic = uniqueName('resend')
    const group = uniqueName('resend-group')
    const database = uniqueName('resend').replace(/-/g, '_')
    const dataDir = mkdtempSync(join(tmpdir(), 'burnrate-resend-'))
    await createTopic(admin, topic, 3)
    const settled = (n: number, what: string) =>
      waitFor(
        what,
        () => groupProgress(admin, group, topic),
        (p) => p.committed === n && p.end === n,
        120_000,
      )

    // 1. One ingest process stores N events, is killed with SIGKILL; a new one
    // starts and 10% of the events arrive again.
    const first = validRecords(6_000, 'rs1')
    await produce(kafka, topic, first)
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
    const killed = spawnIngest(env)
    await settled(first.length, 'first events committed')
    killed.kill('SIGKILL')
    await exited(killed)
    const restarted = spawnIngest(env)
    await waitFor(
      'restarted process joined',
      async () => restarted.output(),
      (o) => /joined group/.test(o),
      60_000,
    )
    const afterCrash = tenth(first)
    await produce(kafka, topic, afterCrash)
    let produced = first.length + afterCrash.length
    await settled(produced, 're-sends after the restart committed')
    restarted.kill('SIGTERM')
    expect(await exited(restarted), restarted.output().slice(-2000)).toBe(0)

    // 2. In this process now (the child owned the chDB directory): a consumer
    // stores more events, a second one joins and takes partitions over, and
    // 10% of all events arrive again.
    const store: Store = await openStore(storeConfig(database, dataDir))
    try {
      const config = kafkaIngestConfig(topic, group, { KAFKA_SESSION_TIMEOUT_MS: '10000', INGEST_MAX_BATCH_ROWS: '250' })
      const one = await startIngest(config, store, () => {})
      const secondLog: string[] = []
      let two: Awaited<ReturnType<typeof startIngest>> = null
      let caughtByJoiner = 0
      try {
        const second = validRecords(3_000, 'rs2')
        await produce(kafka, topic, second)
        produced += second.length
        await settled(produced, 'second events committed')
        two = await startIngest(config, store, (l) => secondLog.push(l))
        await waitFor(
          'second consumer assigned partitions',
          async () => secondLog.join('\n'),
          (l) => /joined group, assigned \{"[^"]+":\[\d/.test(l),
          60_000,
        )
        const afterRebalance = tenth([...first, ...second])
        await produce(kafka, topic, afterRebalance)
        produced += afterRebalance.length
        await settled(produced, 're-sends after the rebalance committed')
        caughtByJoiner = two!.metrics.snapshot().deadLettersTotal
      } finally {
        await one?.stop()
        await two?.stop()
      }

      const unique = first.length + 3_000
      const resent = produced - unique
      const db = database
      const [ev] = await rows<{ n: string; u: string; cost: string }>(
        store,
        `SELECT count() AS n, uniqExact(event_id) AS u, sum(cost_micros) AS cost FROM ${db}.events`,
      )
      const [fin] = await rows<{ n: string; cost: string }>(store, `SELECT count() AS n, sum(cost_micros) AS cost FROM ${db}.events FINAL`)
      const [dup] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.dead_letters WHERE reason = 'duplicate_event_id'`)
      console.log(`ingest-resend: ${unique} events, ${resent} re-sent; stored ${ev.n} rows (${fin.n} after FINAL), ${dup.n} duplicates dead-lettered`)
      expect(Number(ev.n)).toBe(unique)
      expect(Number(ev.u)).toBe(unique)
      expect(fin).toEqual({ n: ev.n, cost: ev.cost })
      expect(Number(dup.n)).toBe(resent)

      const rollups = await rollupsVsDeduplicated(store)
      expect(rollups.map((r) => r.table)).toEqual(
        expect.arrayContaining(['usage_minute', 'attestation_minute', 'install_minute', 'install_profile', 'installs_hour']),
      )
      for (const r of rollups) expect(r.stored, r.table).toEqual(r.expected)
      expect(caughtByJoiner, 'the joining consumer caught re-sends of events it never read').toBeGreaterThan(0)
      const usage = rollups.find((r) => r.table === 'usage_minute')!
      expect(usage.stored.cost_micros).toBe(String(fin.cost))
      expect(Number(usage.stored.requests)).toBeGreaterThan(0)
    } finally {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` }).catch(() => {})
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 400_000)
})
