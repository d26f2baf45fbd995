import { afterEach, describe, expect, it, vi } from 'vitest'
import { IngestMetrics } from '../../lib/ingest/health'
import { IngestPipeline } from '../../lib/ingest/pipeline'
import type { PreparedBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import type { ClickHouseSink } from '../../lib/ingest/sink'
import { SimulatorSource } from '../../lib/ingest/simulator-source'
import { GatewaySimulator } from '../../lib/simulator'
import { defaultPriceBook } from '../../lib/pricing/cost'

afterEach(() => {
  vi.useRealTimers()
})

/** The real pipeline (decode, validate, price) in front of a sink that keeps rows in memory. */
function pipelineInto(stored: string[]) {
  const sink = {
    write: async (batch: PreparedBatch) => void stored.push(...batch.rows.map((r) => r.event_id)),
  } as unknown as ClickHouseSink
  const deps = { limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 86_400_000 }, prices: defaultPriceBook, recentIds: new RecentIds() }
  return new IngestPipeline(sink, deps, new IngestMetrics('simulator'), { retryMaxMs: 100 })
}

describe('SimulatorSource.stop', () => {
  it('writes the events still pending, even those not yet due for a flush', async () => {
    vi.useFakeTimers()
    const simulator = new GatewaySimulator({ seed: 7, installs: 200, ratePerSec: 400, scenarios: [], startMs: Date.now() })
    const generated: string[] = []
    const generator = {
      generate(from: number, to: number) {
        const events = simulator.generate(from, to)
        generated.push(...events.map((e) => e.event_id))
        return events
      },
    }
    const stored: string[] = []
    // Neither size nor age makes a flush due within the test: only stop() can write them.
    const source = new SimulatorSource(generator, pipelineInto(stored), { maxBatchRows: 1_000_000, maxWaitMs: 3_600_000 })
    await source.start()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(generated.length).toBeGreaterThan(0)
    expect(stored).toEqual([])

    await source.stop()
    expect({ stored: stored.length, generated: generated.length }).toEqual({ stored: generated.length, generated: generated.length })
    expect(new Set(stored)).toEqual(new Set(generated))
  })
})
