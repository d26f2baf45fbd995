/**
 * Producer side: how fast events reach Kafka (kafkajs, acks=all, keyed by
 * install id as the gateway does), and how fast the simulator makes them.
 * The produced topic is also the input of the ingest benchmark.
 */
import { Kafka, logLevel, Partitioners, CompressionTypes, type Admin } from 'kafkajs'
import { corpus } from './corpus'

export function benchKafka(brokers: string) {
  return new Kafka({ clientId: 'burnrate-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
}

export interface ProduceResult { events: number; bytes: number; ms: number; perSec: number; mbPerSec: number }

/** Fills `topic` with `count` corpus events; several requests in flight, each under the broker's 1 MiB batch limit. */
export async function produceCorpus(
  kafka: Kafka, topic: string, count: number, opts: { tag: string; seed?: number; inFlight?: number; onProgress?: (done: number) => void },
): Promise<ProduceResult> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, maxInFlightRequests: opts.inFlight ?? 8 })
  await producer.connect()
  const started = performance.now()
  const pending = new Set<Promise<unknown>>()
  let chunk: { key: string; value: Buffer }[] = []
  let chunkBytes = 0
  let bytes = 0
  let sent = 0
  const flush = async () => {
    const messages = chunk
    chunk = []
    chunkBytes = 0
    const p = producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages }).then(() => {
      sent += messages.length
      opts.onProgress?.(sent)
    })
    pending.add(p)
    void p.finally(() => pending.delete(p))
    if (pending.size >= (opts.inFlight ?? 8)) await Promise.race(pending)
  }
  for (const record of corpus({ count, tag: opts.tag, seed: opts.seed })) {
    chunk.push(record)
    chunkBytes += record.value.length
    bytes += record.value.length
    if (chunkBytes > 700_000) await flush()
  }
  if (chunk.length > 0) await flush()
  await Promise.all(pending)
  const ms = performance.now() - started
  await producer.disconnect()
  return { events: count, bytes, ms, perSec: count / (ms / 1000), mbPerSec: bytes / 1e6 / (ms / 1000) }
}

export async function createTopic(admin: Admin, topic: string, partitions: number) {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true })
}

/** Events/s the simulator generates (CPU only, no Kafka), over a bounded wall-clock budget. */
export async function benchSimulator(budgetMs = 10_000): Promise<{ events: number; perSec: number } | null> {
  let mod: typeof import('../lib/simulator')
  try {
    mod = await import('../lib/simulator')
  } catch {
    return null
  }
  const start = Date.now() - 3_600_000
  const sim = new mod.GatewaySimulator({ seed: 7, installs: 20_000, ratePerSec: 5_000, scenarios: [], startMs: start })
  const t0 = performance.now()
  let events = 0
  for (let at = start; performance.now() - t0 < budgetMs; at += 1_000) events += sim.generate(at, at + 1_000).length
  return { events, perSec: events / ((performance.now() - t0) / 1000) }
}
