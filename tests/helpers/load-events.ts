import type { Store } from '../../lib/clickhouse/client'
import type { GatewayEventInput } from '../../lib/events/schema'
import { prepareBatch, type PrepareDeps } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import type { SourceMessage } from '../../lib/ingest/types'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { defaultPriceBook } from '../../lib/pricing/cost'

export interface Loader {
  /** Ingests events through the real decode → price → insert path; returns rows stored and dead letters. */
  load(events: readonly GatewayEventInput[], now?: number): Promise<{ rows: number; deadLetters: number }>
}

/**
 * One loader per store: offsets keep increasing across calls so insert
 * deduplication tokens never collide. `now` is what the decoder checks
 * timestamps against; pass the simulated clock when replaying history.
 */
export function eventLoader(store: Store, batchSize = 20_000): Loader {
  const sink = new ClickHouseSink(store)
  const deps: PrepareDeps = {
    limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 3e5, maxPastAgeMs: 30 * 864e5 },
    prices: defaultPriceBook,
    recentIds: new RecentIds(),
  }
  let offset = 0
  return {
    async load(events, now) {
      let rows = 0
      let deadLetters = 0
      for (let i = 0; i < events.length; i += batchSize) {
        const chunk = events.slice(i, i + batchSize)
        const first = offset
        const messages: SourceMessage[] = chunk.map((e) => {
          const ev = e as { install_id?: string }
          return { topic: 'sim', partition: 0, offset: offset++, key: ev.install_id ?? null, value: Buffer.from(JSON.stringify(e)) }
        })
        const maxTs = Math.max(...chunk.map((e) => (typeof e.ts === 'number' ? e.ts : Date.parse(e.ts))))
        const batch = prepareBatch(messages, deps, now ?? Math.max(Date.now(), maxTs))
        await sink.write(batch, { topic: 'sim', partition: 0, firstOffset: first, lastOffset: offset - 1 })
        rows += batch.rows.length
        deadLetters += batch.deadLetters.length
      }
      return { rows, deadLetters }
    },
  }
}

/** One-shot form for tests that load once. */
export function loadEvents(store: Store, events: readonly GatewayEventInput[], now?: number) {
  return eventLoader(store).load(events, now)
}
