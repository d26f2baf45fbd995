import type { KafkaMessage } from 'kafkajs'
import { UNDECODABLE_HEADER } from './kafka-codecs'
import type { PreparedRange } from './pipeline'
import { backoffMs } from './retry'
import type { BatchRange } from './sink'

/** The run of placeholder records (kafka-codecs.ts) in a fetched batch: a record batch that could not be decoded. */
export interface UndecodableRun {
  /** Index of its first placeholder in the fetched messages; the messages before it are ordinary. */
  index: number
  firstOffset: number
  lastOffset: number
  reason: string
}

export function findUndecodable(messages: KafkaMessage[]): UndecodableRun | null {
  const marked = (m: KafkaMessage) => m.headers?.[UNDECODABLE_HEADER] !== undefined
  const index = messages.findIndex(marked)
  if (index < 0) return null
  let end = index
  while (end + 1 < messages.length && marked(messages[end + 1])) end++
  const header = messages[index].headers![UNDECODABLE_HEADER]
  const reason = String(Array.isArray(header) ? header[0] : header)
  return { index, firstOffset: Number(messages[index].offset), lastOffset: Number(messages[end].offset), reason }
}

export const UNDECODABLE_REASON = 'undecodable_batch'

/**
 * INGEST_UNDECODABLE=dead-letter: the range as one dead letter, so that it is
 * recorded, never silently skipped. src_offset is its first offset; payload
 * holds what an operator needs to replay it (docs/kafka.md):
 * {"topic","partition","first_offset","last_offset","reason"}.
 */
export function undecodableDeadLetter(range: BatchRange, reason: string, now = Date.now()): PreparedRange {
  const payload = JSON.stringify({ topic: range.topic, partition: range.partition, first_offset: range.firstOffset, last_offset: range.lastOffset, reason })
  return {
    range,
    batch: {
      rows: [],
      bytes: 0,
      deadLetters: [
        {
          received_at: now,
          src_topic: range.topic,
          src_partition: range.partition,
          src_offset: range.firstOffset,
          message_key: '',
          reason: UNDECODABLE_REASON,
          error: `offsets ${range.firstOffset}-${range.lastOffset} could not be decoded: ${reason}`.slice(0, 1000),
          payload,
          payload_bytes: 0,
        },
      ],
    },
  }
}

/** First back-off of a consumer restart or a held partition: 1 s, then 2 s, 4 s … (the one policy, retry.ts). */
export const RESTART_INITIAL_MS = 1_000

/**
 * Partitions held at an undecodable batch: paused, and resumed after a
 * back-off so the batch is fetched and tried again (a codec may decode it
 * after all, e.g. a transient failure; the health record says how often it failed).
 */
export class PartitionHolds {
  private readonly timers = new Map<number, NodeJS.Timeout>()
  private readonly attempts = new Map<number, { offset: number; n: number }>()

  constructor(private readonly maxMs: number) {}

  /** Pauses via `pause` now and calls `resume` after the back-off; returns the delay. */
  hold(partition: number, offset: number, pause: () => void, resume: () => void): number {
    const before = this.attempts.get(partition)
    const n = before && before.offset === offset ? before.n + 1 : 0
    this.attempts.set(partition, { offset, n })
    const delay = backoffMs(n, this.maxMs, RESTART_INITIAL_MS)
    clearTimeout(this.timers.get(partition))
    pause()
    this.timers.set(
      partition,
      setTimeout(() => {
        this.timers.delete(partition)
        resume()
      }, delay),
    )
    return delay
  }

  isHeld(partition: number): boolean {
    return this.timers.has(partition)
  }

  release(partition: number): void {
    clearTimeout(this.timers.get(partition))
    this.timers.delete(partition)
    this.attempts.delete(partition)
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    this.attempts.clear()
  }
}
