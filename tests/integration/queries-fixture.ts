import type { Store } from '../../lib/clickhouse/client'
import { prepareBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import type { SourceMessage } from '../../lib/ingest/types'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { GatewaySimulator } from '../../lib/simulator'
import { testStore } from '../helpers/store'

export const FIXTURE_MINUTES = 20

/**
 * A store holding FIXTURE_MINUTES of seeded simulator traffic (all scenarios),
 * loaded through the real ingest path (decode → prepareBatch → sink), so
 * rollups are filled by the materialized views exactly as in production.
 * The window ends at the last full minute before now, so range presets see it.
 */
export async function loadFixture(prefix: string): Promise<{ store: Store & { drop(): Promise<void> }; fromMs: number; toMs: number }> {
  const store = await testStore(prefix)
  const toMs = Math.floor(Date.now() / 60_000) * 60_000
  const fromMs = toMs - FIXTURE_MINUTES * 60_000
  const sim = new GatewaySimulator({
    seed: 7,
    installs: 300,
    ratePerSec: 12,
    startMs: fromMs,
    scenarios: ['prompt_bomber', 'emulator_farm', 'cost_spike', 'stream_abuse'],
  })
  const sink = new ClickHouseSink(store)
  const deps = {
    limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 },
    prices: defaultPriceBook,
    recentIds: new RecentIds(),
  }
  let offset = 0
  for (let t = fromMs; t < toMs; t += 5 * 60_000) {
    const events = sim.generate(t, Math.min(toMs, t + 5 * 60_000))
    const messages: SourceMessage[] = events.map((e) => ({
      topic: 'fixture',
      partition: 0,
      offset: offset++,
      key: null,
      value: Buffer.from(JSON.stringify(e)),
    }))
    // One malformed message per chunk so the dead-letter queries have rows.
    messages.push({ topic: 'fixture', partition: 0, offset: offset++, key: 'bad', value: Buffer.from('{"schema_version":1,"type":"nope"}') })
    const batch = prepareBatch(messages, deps)
    await sink.write(batch, { topic: 'fixture', partition: 0, firstOffset: messages[0].offset, lastOffset: messages[messages.length - 1].offset })
  }
  return { store, fromMs, toMs }
}
