import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../../lib/clickhouse/select'
import { usageOf } from '../../lib/detection/prompt-bombing-rows'
import { toSec } from '../../lib/detection/query'
import { installUsageSql } from '../../lib/detection/sql/install-usage'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

/**
 * Prompt bombing's concurrency per install (install-usage.ts, from
 * install_minute): the gateway reports a stream once, when it closes, so a
 * minute only sees the streams that ended in it. One 20-minute answer is one
 * stream open, not twenty; six 5-minute answers ending together are six;
 * five short answers one after another in a minute are under one.
 */
describe('prompt bombing: streams open at once, from the streams that ended in a minute', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let peak: Map<string, number>
  const now = Math.floor(Date.now() / MIN) * MIN - 2 * MIN
  const end = now - 3 * MIN + 20_000

  beforeAll(async () => {
    store = await testStore('bombing_concurrency')
    let n = 0
    const stream = (install: string, ts: number, durationMs: number): GatewayEventInput =>
      llmRequest({
        type: 'stream',
        install_id: install,
        ts,
        stream_id: `s-${install}-${n++}`,
        transport: 'sse',
        duration_ms: durationMs,
        ttft_ms: 400,
        end_reason: 'completed',
      })
    const events = [
      stream('one-long', end, 20 * MIN),
      ...Array.from({ length: 6 }, (_, i) => stream('six-parallel', end + i * 1_000, 5 * MIN)),
      ...Array.from({ length: 5 }, (_, i) => stream('five-in-a-row', end + i * 8_000, 7_000)),
    ]
    const loaded = await loadEvents(store, events, now)
    expect(loaded.deadLetters).toBe(0)
    const rows = await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), {
      from: toSec(now - 30 * MIN),
      to: toSec(now) + 1,
      tenant: '',
      only: [],
    })
    peak = new Map(rows.map(usageOf).map((u) => [u.install_id, u.peak_concurrency]))
  }, 120_000)
  afterAll(async () => store?.drop())

  it('counts one long answer as one stream, not its minutes', () => {
    expect(peak.get('one-long')).toBe(1)
  })

  it('counts six answers held open together as six', () => {
    expect(peak.get('six-parallel')).toBe(6)
  })

  it('keeps short answers in a row under one', () => {
    expect(peak.get('five-in-a-row')).toBeCloseTo(35 / 60, 5)
  })
})
