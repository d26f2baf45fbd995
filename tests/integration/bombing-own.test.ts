import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cusumZ, detectSequentialBombing, type SequentialResult } from '../../lib/detection/bombing-sequential'
import { scorePromptBombingCandidates } from '../../lib/detection/prompt-bombing'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

function rng(seed: number) {
  let s = seed >>> 0
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return { next, normal: () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()) }
}

/**
 * A tight feature (σ 0.35, median 340 tokens) of 60 installs over 3 hours.
 * Install 0 is a heavy user: every request 2.7x the median, all along, 4 a
 * minute. Install 1 was ordinary and sends 2.7x from 15 minutes before `now`
 * (recruited). The per-install test judges install 0 against its own past
 * (bombing-own.ts) and still raises install 1.
 */
describe('prompt bombing: an install judged against its own past', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let result: SequentialResult
  const now = Math.floor(Date.now() / MIN) * MIN - 5 * MIN

  beforeAll(async () => {
    store = await testStore('bombing_own')
    const r = rng(3)
    const events: GatewayEventInput[] = []
    for (let i = 0; i < 60; i++)
      for (let ts = now - 180 * MIN + i * 500; ts < now; ts += (i < 2 ? 0.25 : 1) * MIN) {
        const x = i === 0 || (i === 1 && ts >= now - 15 * MIN) ? 2.7 : 1
        const ctx = Math.round(340 * x * Math.exp(0.35 * r.normal()))
        events.push(
          llmRequest({
            tenant_id: 'own',
            install_id: `own-${i}`,
            app_version: `3.${i % 4}.0`,
            device_fingerprint: `e${i.toString(16)}`.padEnd(16, '0'),
            feature: 'translate',
            ts,
            prompt_tokens: ctx,
            context_tokens: ctx,
          }),
        )
      }
    const loaded = await loadEvents(store, events, now)
    expect(loaded.deadLetters).toBe(0)
    result = await detectSequentialBombing(store, S, now)
  }, 120_000)
  afterAll(async () => store?.drop())

  it('the heavy user is judged against itself; the recruited install still alerts', () => {
    const of = (id: string) => result.evidence.find((e) => e.install_id === id)
    expect(of('own-0')?.baseline_source).toBe('own')
    expect(cusumZ(of('own-0')?.cusum ?? 0)).toBeLessThan(3)
    expect(cusumZ(of('own-1')!.cusum)).toBeGreaterThanOrEqual(S.zAlert)
    expect(of('own-1')!.baseline_source).not.toBe('own')
  })

  it("the window test's own past from the sequential test's kept minutes gives the SQL read's rows", async () => {
    // The sequential run above left its kept own-history minutes: the kept pass reads none of them again.
    const kept = await scorePromptBombingCandidates(store, S, now)
    const sql = await scorePromptBombingCandidates(store, S, now, { kept: false })
    const rowsOf = (r: typeof kept) => r.rows.map((x) => ({ install: x.install_id, score: x.score, reasons: x.reasons }))
    // The SQL pass also returns one arbitrary row per feature (the carrier of its bands): compared on the kept pass's installs.
    const ids = new Set(kept.rows.map((x) => x.install_id))
    expect(ids.size).toBeGreaterThan(1)
    expect(rowsOf(kept)).toEqual(rowsOf({ ...sql, rows: sql.rows.filter((x) => ids.has(x.install_id)) }))
    // The heavy user was flagged by the window test and set back by its own past.
    const heavy = kept.rows.find((x) => x.install_id === 'own-0')
    expect(heavy?.reasons.some((r) => r.includes('judged against its own past'))).toBe(true)
  })
})
