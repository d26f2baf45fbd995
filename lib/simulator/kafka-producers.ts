/**
 * Producer threads for the simulator → Kafka path (`npm run simulate`, the
 * producer benchmark). The simulator thread generates and serializes events
 * and packs them, key and value bytes back to back, into one buffer per
 * producer thread (WireBuilder); a full buffer is moved (not copied) to its
 * thread, which hands views of it to kafkajs. Partitions are chosen on the
 * simulator thread with the Java-compatible murmur2 partitioner and each
 * partition is owned by one thread, so per-install order holds.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Partitioners, type PartitionMetadata } from 'kafkajs'
import type { CodecName } from '../ingest/kafka-codecs'

export interface ProducerSettings {
  /** Producer threads (each one kafkajs producer with its own connection). */
  threads: number
  /** Most messages per producer.send; a send goes to one partition, so it is one record batch (also capped at 768 KiB). */
  sendMessages: number
  /** Produce requests each thread keeps open at once, at most one per partition (so a partition's batches stay in order). */
  inFlight: number
  /** Messages handed to a thread but not yet acked before the simulator waits: bounds memory when the broker falls behind. */
  maxOutstanding: number
  /** Messages per buffer moved to a thread. */
  chunkMessages: number
  acks: -1 | 0 | 1
  /** Record-batch compression (lib/ingest/kafka-codecs.ts registers all five in kafkajs). */
  compression: CodecName
}

/**
 * Tuned with `npm run bench -- --only producer` on 2 cores shared with the broker (docs/kafka.md). kafkajs
 * is CPU-bound, so one thread per core; sends of 1,000 messages (~600 KB) amortize its per-request work
 * (250-2,000 measured the same within noise); one thread's other partitions are encoded while a send is out.
 */
export const DEFAULT_PRODUCER_SETTINGS: ProducerSettings = {
  threads: Math.min(4, availableParallelism()),
  sendMessages: 1_000,
  inFlight: 4,
  maxOutstanding: 40_000,
  chunkMessages: 4_000,
  acks: 1,
  compression: 'none',
}

export interface ProducerThreadOptions {
  brokers: string[]
  clientId: string
  topic: string
  sendMessages: number
  inFlight: number
  acks: number
  compression: CodecName
}

/** Message i: key bytes [bounds[2i-1] (0 for i = 0), bounds[2i]), value bytes [bounds[2i], bounds[2i+1]). */
export interface WireBatch {
  bytes: Uint8Array
  bounds: Uint32Array
  partitions: Int32Array
}
export type FromProducerThread = { type: 'ready' } | { type: 'acked'; count: number } | { type: 'error'; message: string } | { type: 'closed' }

/** Accumulates keyed messages for one thread in one growing buffer. */
export class WireBuilder {
  count = 0
  private bytes: Buffer
  private at = 0
  private bounds: Uint32Array
  private partitions: Int32Array

  constructor(
    private readonly capacity: number,
    private readonly bytesHint = capacity * 700,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(bytesHint)
    this.bounds = new Uint32Array(2 * capacity)
    this.partitions = new Int32Array(capacity)
  }

  get full(): boolean {
    return this.count >= this.capacity
  }

  /** `value` is written as UTF-8; a JS string needs at most 3 bytes per UTF-16 unit. */
  add(key: string, value: string, partition: number): void {
    if (this.count === this.partitions.length) {
      // Past capacity only while the pool waits for its thread to catch up.
      const bounds = new Uint32Array(2 * this.bounds.length)
      bounds.set(this.bounds)
      this.bounds = bounds
      const partitions = new Int32Array(2 * this.partitions.length)
      partitions.set(this.partitions)
      this.partitions = partitions
    }
    const need = 3 * (key.length + value.length)
    if (this.at + need > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.at + need))
      this.bytes.copy(grown, 0, 0, this.at)
      this.bytes = grown
    }
    this.at += this.bytes.write(key, this.at)
    this.bounds[2 * this.count] = this.at
    this.at += this.bytes.write(value, this.at)
    this.bounds[2 * this.count + 1] = this.at
    this.partitions[this.count++] = partition
  }

  /** The batch so far, as buffers that own their memory (safe to transfer); the builder starts over. */
  take(): WireBatch {
    const batch: WireBatch = {
      bytes: new Uint8Array(this.bytes.buffer, 0, this.at),
      bounds: this.bounds.subarray(0, 2 * this.count),
      partitions: this.partitions.subarray(0, this.count),
    }
    this.bytes = Buffer.allocUnsafeSlow(Math.max(this.bytesHint, this.at))
    this.bounds = new Uint32Array(2 * this.capacity)
    this.partitions = new Int32Array(this.capacity)
    this.at = 0
    this.count = 0
    return batch
  }
}

/** The Java client's (and kafkajs's DefaultPartitioner's) murmur2 choice for a key, memoised per key. */
export function keyPartitioner(topic: string, partitionMetadata: PartitionMetadata[]): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner()
  const memo = new Map<string, number>()
  return (key) => {
    let p = memo.get(key)
    if (p === undefined) {
      p = partitioner({ topic, partitionMetadata, message: { key, value: null } })
      memo.set(key, p)
    }
    return p
  }
}

/** Starts producer-thread.ts; under tsx (a .ts file) the thread needs tsx's require hook to load TypeScript. */
function spawn(data: ProducerThreadOptions): Worker {
  const ts = __filename.endsWith('.ts')
  const file = join(__dirname, `producer-thread${ts ? '.ts' : '.js'}`)
  const hook = ts ? `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` : ''
  return new Worker(`${hook}require(${JSON.stringify(file)})`, { eval: true, workerData: data })
}

/** Producer threads, one builder each; `add` routes a message to the thread that owns its partition. */
export class ProducerPool {
  /** Messages the broker has acknowledged. */
  produced = 0
  private failure: Error | undefined
  private readonly outstanding: number[]
  private readonly builders: WireBuilder[]
  private waiters: (() => void)[] = []

  private constructor(
    private readonly workers: Worker[],
    private readonly settings: ProducerSettings,
  ) {
    this.outstanding = workers.map(() => 0)
    this.builders = workers.map(() => new WireBuilder(settings.chunkMessages))
    workers.forEach((w, i) =>
      w.on('message', (m: FromProducerThread) => {
        if (m.type === 'acked') {
          this.outstanding[i] -= m.count
          this.produced += m.count
        } else if (m.type === 'error') this.failure ??= new Error(`producer: ${m.message}`)
        this.wake()
      }),
    )
    workers.forEach((w) =>
      w.on('exit', (code) => {
        if (code !== 0) this.failure ??= new Error(`producer thread exited with code ${code}`)
        this.wake()
      }),
    )
    workers.forEach((w) =>
      w.on('error', (err) => {
        this.failure ??= new Error(`producer thread failed: ${err.message}`)
        this.wake()
      }),
    )
  }

  static async start(target: { brokers: string[]; clientId: string; topic: string }, settings: Partial<ProducerSettings> = {}): Promise<ProducerPool> {
    const s = { ...DEFAULT_PRODUCER_SETTINGS, ...settings }
    const data: ProducerThreadOptions = { ...target, sendMessages: s.sendMessages, inFlight: s.inFlight, acks: s.acks, compression: s.compression }
    const workers = Array.from({ length: Math.max(1, s.threads) }, () => spawn(data))
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once('error', reject)
              w.once('exit', (code) => reject(new Error(`producer thread exited with code ${code} before connecting`)))
              w.on('message', (m: FromProducerThread) => (m.type === 'ready' ? resolve() : m.type === 'error' && reject(new Error(`producer: ${m.message}`))))
            }),
        ),
      )
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()))
      throw err
    }
    return new ProducerPool(workers, s)
  }

  get threads(): number {
    return this.workers.length
  }

  /**
   * Queues one message. Returns a promise only when the caller has to wait (its thread's buffer is
   * full and the thread is too far behind), so the common case costs no promise: `const p = pool.add(…); if (p) await p`.
   */
  add(key: string, value: string, partition: number): Promise<void> | undefined {
    const w = partition % this.workers.length
    const b = this.builders[w]
    b.add(key, value, partition)
    return b.full ? this.flushOne(w) : undefined
  }

  /** Hands every partly filled buffer to its thread (end of a step, so nothing waits for the next one). */
  async flush(): Promise<void> {
    for (let w = 0; w < this.workers.length; w++) if (this.builders[w].count > 0) await this.flushOne(w)
  }

  private flushOne(w: number): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure)
    if (this.outstanding[w] >= this.settings.maxOutstanding)
      return this.until(() => this.outstanding[w] < this.settings.maxOutstanding).then(() => this.flushOne(w))
    const batch = this.builders[w].take()
    this.outstanding[w] += batch.partitions.length
    this.workers[w].postMessage(batch, [batch.bytes.buffer as ArrayBuffer, batch.bounds.buffer as ArrayBuffer, batch.partitions.buffer as ArrayBuffer])
    return undefined
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private async until(ok: () => boolean): Promise<void> {
    while (!ok()) {
      if (this.failure) throw this.failure
      await new Promise<void>((r) => this.waiters.push(r))
    }
    if (this.failure) throw this.failure
  }

  /** Flushes, waits until every message is acknowledged (or a send failed), then stops the threads. */
  async close(): Promise<void> {
    try {
      await this.flush()
      await this.until(() => this.outstanding.every((n) => n === 0))
    } finally {
      await Promise.all(
        this.workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.on('message', (m: FromProducerThread) => m.type === 'closed' && resolve())
              w.postMessage('close')
              setTimeout(resolve, 5_000).unref()
            }),
        ),
      )
      await Promise.all(this.workers.map((w) => w.terminate()))
    }
  }
}
