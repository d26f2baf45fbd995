import type { Store } from '../../lib/clickhouse/client'
import type { GatewayEvent, GatewayEventInput } from '../../lib/events/schema'
import { toRow } from '../../lib/ingest/rows'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { defaultPriceBook } from '../../lib/pricing/cost'

/**
 * Evaluation-only loader: simulator events are already well-formed, so this
 * skips the zod decode (the slow half of ingest) and goes straight to rows and
 * the same ClickHouse insert path, rollups included. Tests use
 * tests/helpers/load-events.ts, which runs the full pipeline.
 */
export function fastLoader(store: Store, batchSize = 50_000) {
  const sink = new ClickHouseSink(store)
  let offset = 0
  return async (events: readonly GatewayEventInput[]): Promise<number> => {
    for (let i = 0; i < events.length; i += batchSize) {
      const first = offset
      const rows = events.slice(i, i + batchSize).map((e) => {
        const at = { topic: 'eval', partition: 0, offset: offset++, key: null, value: null }
        return toRow(e as GatewayEvent, at, defaultPriceBook)
      })
      await sink.write({ rows, deadLetters: [], bytes: 0 }, { topic: 'eval', partition: 0, firstOffset: first, lastOffset: offset - 1 })
    }
    return events.length
  }
}
