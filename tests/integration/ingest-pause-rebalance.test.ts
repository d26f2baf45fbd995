import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import { IngestMetrics } from '../../lib/ingest/health'
import { KafkaSource } from '../../lib/ingest/kafka-source'
import { IngestPipeline } from '../../lib/ingest/pipeline'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink, type BatchRange } from '../../lib/ingest/sink'
import type { PreparedBatch } from '../../lib/ingest/prepare'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { rows } from '../helpers/store'
import { closeIngestFixture, openIngestFixture, type TestStore } from '../helpers/ingest-fixture'
import { validRecords } from '../helpers/corpus'
import { brokersFromEnv } from '../../harness/kafka-broker'
import { createTopic, uniqueName, waitFor } from '../../harness/kafka-io'

let store: TestStore
let kafka: Kafka
let admin: Admin

beforeAll(async () => {
  ;({ store, kafka, admin } = await openIngestFixture('pause'))
})
afterAll(() => closeIngestFixture({ store, admin }))

/** The store as one member sees it: its inserts fail until `down` is cleared (intents and lookups, which the source's ledger makes, still work). */
class MemberSideOutage extends ClickHouseSink {
  down = true
  override async write(batch: PreparedBatch, range: BatchRange): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED (this member cannot reach ClickHouse)')
    return super.write(batch, range)
  }
}

function member(topic: string, group: string, sink: ClickHouseSink, log: string[], name: string) {
  const metrics = new IngestMetrics('kafka')
  const deps = {
    limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 },
    prices: defaultPriceBook,
    recentIds: new RecentIds(),
  }
  const pipeline = new IngestPipeline(sink, deps, metrics, { retryMaxMs: 500 })
  const source = new KafkaSource(
    {
      brokers: brokersFromEnv().split(','),
      topic,
      groupId: group,
      clientId: `pause-${name}`,
      // One range per fetched batch, so a failing insert never holds up the member's rejoin.
      maxBatchRows: 5_000,
      maxWaitMs: 200,
      sessionTimeoutMs: 10_000,
      log: (line) => log.push(`${name}: ${line}`),
    },
    pipeline,
    store,
    metrics,
  )
  return { source, metrics }
}

async function produceTo(topic: string, partition: number, n: number, tag: string) {
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: validRecords(n, tag).map((r) => ({ ...r, partition })) })
  await producer.disconnect()
}

async function progress(group: string, topic: string) {
  const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })])
  const at = (p: number) => Math.max(0, Number(committed[0]?.partitions.find((c) => c.partition === p)?.offset ?? 0))
  return high.map((h) => ({ partition: h.partition, end: Number(h.high), committed: at(h.partition) })).sort((x, y) => x.partition - y.partition)
}

const allCommitted = (ps: { end: number; committed: number }[]) => ps.every((p) => p.committed === p.end)

describe('a member whose inserts failed through a rebalance', () => {
  it('neither stays paused nor writes or commits a partition it lost, and everything is stored once', async () => {
    const topic = uniqueName('pause')
    const group = uniqueName('pause-group')
    await createTopic(admin, topic, 2)
    const [first, more, late] = [300, 200, 150]
    await Promise.all([0, 1].map((p) => produceTo(topic, p, first, `first${p}`)))
    const log: string[] = []
    const outage = new MemberSideOutage(store)
    const a = member(topic, group, outage, log, 'A')
    const b = member(topic, group, new ClickHouseSink(store), log, 'B')
    let bRunning = false
    try {
      await a.source.start()
      await waitFor(
        'A paused by failing inserts',
        async () => a.metrics.snapshot(),
        (h) => h.paused && h.insertRetries >= 2,
        30_000,
      )

      // B joins: the group rebalances while A's inserts keep failing, and B takes over one partition.
      await b.source.start()
      bRunning = true
      await waitFor(
        'B stores the partition it took over',
        async () => b.metrics.snapshot().eventsTotal,
        (n) => n >= first,
        30_000,
      )
      await Promise.all([0, 1].map((p) => produceTo(topic, p, more, `more${p}`)))
      const taken = await waitFor(
        'B commits its partition to the end',
        () => progress(group, topic),
        (ps) => ps.some((p) => p.committed === first + more),
        30_000,
      )
      const bPartition = taken.find((p) => p.committed === first + more)!.partition

      // A reaches the store again. A write of the partition it lost must not land
      // on top of B's progress: B's committed offset stays where B put it.
      outage.down = false
      const settled = await waitFor('every partition committed while both members run', () => progress(group, topic), allCommitted, 30_000).catch(() =>
        progress(group, topic),
      )
      expect(settled, `B owns partition ${bPartition}\n${log.join('\n')}`).toEqual(
        [0, 1].map((p) => ({ partition: p, end: first + more, committed: first + more })),
      )

      // B leaves: A must now fetch both partitions, including the one it paused before losing it.
      await b.source.stop()
      bRunning = false
      await Promise.all([0, 1].map((p) => produceTo(topic, p, late, `late${p}`)))
      const end = await waitFor('A consumes both partitions', () => progress(group, topic), allCommitted, 45_000).catch(async () => progress(group, topic))
      expect(end, log.join('\n')).toEqual([0, 1].map((p) => ({ partition: p, end: first + more + late, committed: first + more + late })))
      expect(a.metrics.snapshot().paused).toBe(false)
    } finally {
      if (bRunning) await b.source.stop().catch(() => {})
      await a.source.stop().catch(() => {})
    }
    const total = 2 * (first + more + late)
    const [ev] = await rows<{ n: string; u: string }>(store, `SELECT count() AS n, uniqExact(event_id) AS u FROM ${store.database}.events`)
    const [dl] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters`)
    console.log(`ingest-pause-rebalance: produced ${total}, stored ${ev.n}, distinct ${ev.u}, dead-lettered ${dl.n}`)
    expect(Number(ev.n)).toBe(total)
    expect(Number(ev.u)).toBe(total)
    expect(Number(dl.n)).toBe(0)
  }, 90_000)
})
