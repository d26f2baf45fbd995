import { describe, expect, it } from 'vitest'
import { REST_RATIO, spareCommonTail, TAIL_LINE_RATIO, type FeatureTail, type MinuteMax } from '../../lib/detection/bombing-common-tail'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import { Rng } from '../../lib/simulator/random'
import type { PromptBombingRow } from '../../lib/detection/types'

const MEDIAN = 900
const KEY = 't\u0000chat'
const baseline: ContextBaseline = { mu: Math.log(MEDIAN), sigma: 0.6, requests: 20_000, median: MEDIAN, source: 'feature' }
const baselines = new Map([[KEY, baseline]])
const tail = (over: number, requests = 20_000): Map<string, FeatureTail> => new Map([[KEY, { requests, over, line: TAIL_LINE_RATIO * MEDIAN }]])

/** A window finding over the alert line (its metrics do not matter here). */
const finding = (id: string): PromptBombingRow =>
  ({ tenant_id: 't', feature: 'chat', install_id: id, score: 70, severity: 'critical', reasons: [] }) as unknown as PromptBombingRow

/** One minute per request: ordinary requests of `ordinary` tokens, and `huge` requests of `size` tokens. */
function minutes(id: string, ordinary: number[], huge: number[]): MinuteMax[] {
  return [...ordinary, ...huge].map((c) => ({ tenant_id: 't', feature: 'chat', install_id: id, requests: 1, prompt: c, max_context: c }))
}

describe('window findings in a feature whose users paste long documents (bombing-common-tail.ts)', () => {
  it('holds one pasted document among ordinary requests under the alert line where the feature pastes 1.5 % of the time', () => {
    const rows = spareCommonTail([finding('a')], tail(300), baselines, minutes('a', [800, 1000, 900, 700], [40_000]), 6)
    expect(rows[0].score).toBeLessThan(50)
    expect(rows[0].reasons[0]).toMatch(/1 of its 5 requests over 16x/)
  })

  it('keeps the finding where such requests are rare in the feature (fewer than TAIL_MIN_BASE in its baseline)', () => {
    const rows = spareCommonTail([finding('a')], tail(2), baselines, minutes('a', [800, 1000, 900, 700], [40_000]), 6)
    expect(rows[0].score).toBe(70)
  })

  it('keeps an install whose other requests are large too (not carried by its pastes)', () => {
    const big = Array.from({ length: 5 }, () => (REST_RATIO + 1) * MEDIAN)
    const rows = spareCommonTail([finding('a')], tail(300), baselines, minutes('a', big, [40_000]), 6)
    expect(rows[0].score).toBe(70)
  })

  it('keeps an install sending far more huge requests than the feature rate allows', () => {
    const huge = Array.from({ length: 10 }, () => 40_000)
    const rows = spareCommonTail([finding('a')], tail(300), baselines, minutes('a', [800, 900], huge), 6)
    expect(rows[0].score).toBe(70)
  })

  it('under the null (each request over the line at the feature rate) raises none of 20,000 honest installs', () => {
    // 20,000 honest installs of 2-30 requests at the baseline's own rate: how many would still alert?
    const rng = new Rng(7)
    const p = 300 / 20_000
    let kept = 0
    for (let i = 0; i < 20_000; i++) {
      const n = 2 + rng.int(29)
      const huge: number[] = []
      const ordinary: number[] = []
      for (let j = 0; j < n; j++) {
        if (rng.chance(p)) huge.push(Math.round(TAIL_LINE_RATIO * MEDIAN * rng.uniform(1.25, 3.75)))
        else ordinary.push(Math.round(rng.lognormal(MEDIAN, 0.6)))
      }
      if (!huge.length) continue
      const [row] = spareCommonTail([finding(`h${i}`)], tail(300), baselines, minutes(`h${i}`, ordinary, huge), 6)
      if (row.score >= 50) kept++
    }
    expect(kept).toBe(0)
  })
})
