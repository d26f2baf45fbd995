import type { Store } from '../lib/clickhouse/client'
import { prepareBatch } from '../lib/ingest/prepare'
import { RecentIds } from '../lib/ingest/recent-ids'
import { ClickHouseSink } from '../lib/ingest/sink'
import type { SourceMessage } from '../lib/ingest/types'
import { defaultPriceBook } from '../lib/pricing/cost'

/**
 * Writes gateway events into a store the way the consumer does (decode,
 * validate, price, one sink insert per batch with its offsets as token),
 * without Kafka. Every event must be valid: a dead letter here means the
 * generator and the contract disagree, which would skew any figure.
 */
export async function writeThroughSink(
  store: Store,
  values: Iterable<Buffer>,
  opts: { topic: string; batch?: number; onProgress?: (events: number) => void },
): Promise<number> {
  const sink = new ClickHouseSink(store)
  const deps = {
    limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 },
    prices: defaultPriceBook,
    recentIds: new RecentIds(),
  }
  const size = opts.batch ?? 25_000
  let chunk: SourceMessage[] = []
  let offset = 0
  const flush = async () => {
    const batch = prepareBatch(chunk, deps)
    if (batch.deadLetters.length) throw new Error(`${opts.topic}: ${batch.deadLetters.length} events were dead-lettered (${batch.deadLetters[0].reason})`)
    await sink.write(batch, { topic: opts.topic, partition: 0, firstOffset: chunk[0].offset, lastOffset: chunk[chunk.length - 1].offset })
    chunk = []
    opts.onProgress?.(offset)
  }
  for (const value of values) {
    chunk.push({ topic: opts.topic, partition: 0, offset: offset++, key: null, value })
    if (chunk.length === size) await flush()
  }
  if (chunk.length) await flush()
  return offset
}
