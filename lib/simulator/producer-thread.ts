/**
 * Entry of one producer thread of ProducerPool (kafka-producers.ts). kafkajs
 * spends ~20 µs of CPU per message (record encoding, a CRC32C in JavaScript,
 * buffer copies, garbage), twice what generating and serializing the event
 * costs, so it runs off the simulator's thread. Each partition is owned by one
 * thread, which has at most one request per partition open, so per-install
 * order holds.
 *
 * Loads kafkajs and nothing of the simulator: it only moves bytes.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Kafka, logLevel, type Message } from 'kafkajs'
import { compressionType } from '../ingest/kafka-codecs'
import type { FromProducerThread, ProducerThreadOptions, WireBatch } from './kafka-producers'

/**
 * kafkajs encodes every record into a fresh `Buffer.alloc(512)` that grows to 1024 bytes for a ~600-byte
 * event: two new zero-filled ArrayBuffers per message, whose allocation and garbage collection were a
 * quarter of this thread's time. In this thread only (each worker has its own Buffer), small zeroed
 * buffers are carved from Node's shared allocation pool instead, still zero-filled: about 10% less CPU
 * per message, measured (kafkajs's produce encoder alone and end to end). Larger buffers are unchanged.
 */
function poolSmallZeroedBuffers(): void {
  const alloc = Buffer.alloc
  Buffer.alloc = ((size: number, fill?: string | Uint8Array | number, encoding?: BufferEncoding) =>
    fill === undefined && size < Buffer.poolSize >>> 1 ? Buffer.allocUnsafe(size).fill(0) : alloc(size, fill, encoding)) as typeof Buffer.alloc
}

/** Largest send in bytes: the broker's default message.max.bytes caps a record batch at 1 MiB. */
const SEND_BYTES = 768 * 1024

async function run(): Promise<void> {
  const o = workerData as ProducerThreadOptions
  poolSmallZeroedBuffers()
  const port = parentPort!
  const post = (m: FromProducerThread) => port.postMessage(m)
  const compression = compressionType(o.compression ?? 'none')
  const kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.WARN })
  const producer = kafka.producer({
    // Partitions were chosen on the simulator thread (murmur2, as kafkajs's and Java's default partitioner);
    // kafkajs's own partitioner would filter the partition list once per message just to return it.
    createPartitioner:
      () =>
      ({ message }) =>
        message.partition!,
    idempotent: false,
    allowAutoTopicCreation: false,
    maxInFlightRequests: o.inFlight,
  })
  await producer.connect()

  // Per partition, sends go out one at a time in batch order: kafkajs may reorder concurrent sends (one can
  // overtake another while it waits for metadata), and a retried request must not pass the next one.
  // Different partitions are sent concurrently, at most inFlight at once. After a failed send nothing more
  // is sent: the pool reports the error and closes.
  const queues = new Map<number, Chunk[]>()
  const busy = new Set<number>()
  let queued = 0
  let active = 0
  let failed = false
  let closing = false
  const enqueue = (partition: number, chunk: Chunk) => {
    const q = queues.get(partition)
    if (q) q.push(chunk)
    else queues.set(partition, [chunk])
    queued++
  }
  const pump = () => {
    for (const [partition, q] of queues) {
      if (failed || active >= o.inFlight) break
      if (busy.has(partition) || q.length === 0) continue
      const messages = toMessages(q.shift()!, partition)
      queued--
      active++
      busy.add(partition)
      const done = () => {
        active--
        busy.delete(partition)
        pump()
      }
      producer.send({ topic: o.topic, messages, acks: o.acks, compression }).then(
        () => {
          post({ type: 'acked', count: messages.length })
          done()
        },
        (err: unknown) => {
          failed = true
          post({ type: 'error', message: err instanceof Error ? err.message : String(err) })
          done()
        },
      )
    }
    if (closing && active === 0 && (queued === 0 || failed)) {
      closing = false
      void producer
        .disconnect()
        .catch(() => {})
        .then(() => post({ type: 'closed' }))
    }
  }

  port.on('message', (m: WireBatch | 'close') => {
    if (m === 'close') {
      closing = true
      pump()
      return
    }
    const batch: Batch = { buf: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), bounds: m.bounds }
    // One send per partition, bounded in messages and bytes: each request carries one record batch under
    // the broker's 1 MiB limit, and kafkajs's per-partition grouping (it copies the partition's array once
    // per message) stays short.
    const open = new Map<number, Chunk>()
    for (let i = 0; i < m.partitions.length; i++) {
      const partition = m.partitions[i]
      const size = m.bounds[2 * i + 1] - (i === 0 ? 0 : m.bounds[2 * i - 1])
      let chunk = open.get(partition)
      if (chunk && (chunk.items.length >= o.sendMessages || chunk.bytes + size > SEND_BYTES)) {
        enqueue(partition, chunk)
        chunk = undefined
      }
      if (!chunk) open.set(partition, (chunk = { batch, items: [], bytes: 0 }))
      chunk.items.push(i)
      chunk.bytes += size
    }
    for (const [partition, chunk] of open) enqueue(partition, chunk)
    pump()
  })
  post({ type: 'ready' })
}

interface Batch {
  buf: Buffer
  bounds: Uint32Array
}
/** Messages of one batch for one partition, by index. */
interface Chunk {
  batch: Batch
  items: number[]
  bytes: number
}

/**
 * kafkajs message objects, made only when their send starts: up to maxOutstanding messages wait in this
 * thread, and as light index lists they are not copied by every young-generation GC while they wait.
 */
function toMessages({ batch: { buf, bounds }, items }: Chunk, partition: number): Message[] {
  const messages: Message[] = new Array(items.length)
  for (let j = 0; j < items.length; j++) {
    const i = items[j]
    const start = i === 0 ? 0 : bounds[2 * i - 1]
    messages[j] = { key: buf.subarray(start, bounds[2 * i]), value: buf.subarray(bounds[2 * i], bounds[2 * i + 1]), partition }
  }
  return messages
}

run().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromProducerThread)
  process.exit(1)
})
