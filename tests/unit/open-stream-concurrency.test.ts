import { describe, expect, it } from 'vitest'
import { heldAtOnce, heldLogP, priorSurvival, rateAtLeast, scoreOpenConcurrency } from '../../lib/detection/open-stream-concurrency'
import type { OpenStream } from '../../lib/detection/open-streams'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreStreamAbuse, type StreamStats } from '../../lib/detection/stream-abuse'

const NOW = 10 * 60_000
/** A stream reported at NOW (or at `lastMs`), open since NOW - elapsed. */
const open = (install: string, id: string, elapsedMs: number, lastMs = NOW, tenant = 't'): OpenStream => ({
  tenant_id: tenant,
  install_id: install,
  stream_id: id,
  feature: 'chat',
  start_ms: lastMs - elapsedMs,
  last_ms: lastMs,
  elapsed_ms: elapsedMs,
  context_tokens: 900,
  completion_tokens: Math.round((elapsedMs / 1000) * 40),
})
const closed = (install: string, maxMs: number, tenant = 't'): StreamStats => ({
  tenant_id: tenant,
  install_id: install,
  streams: 3,
  max_duration_ms: maxMs,
  median_duration_ms: 8_000,
  zombie_streams: 0,
  client_disconnects: 0,
  disconnect_cost_micros: 0,
  cost_micros: 300,
  max_concurrent: 1,
})
const many = (install: string, n: number, elapsedMs: number, tenant = 't') =>
  Array.from({ length: n }, (_, k) => open(install, `${install}-${k}`, elapsedMs + 1000 * k, NOW, tenant))

describe('streams held open at once (open-stream-concurrency.ts)', () => {
  it('counts only streams certainly open at one moment: one that was last reported before another started is not', () => {
    // a: 0-30 s reported at 30 s (closed since, its report still recent); b: started at 40 s.
    const a = { start_ms: 0, last_ms: 30_000, elapsed_ms: 30_000 }
    const b = { start_ms: 40_000, last_ms: 70_000, elapsed_ms: 30_000 }
    const c = { start_ms: 10_000, last_ms: 70_000, elapsed_ms: 60_000 }
    expect(heldAtOnce([a, b])).toHaveLength(1)
    expect(heldAtOnce([a, b, c])).toEqual([60_000, 30_000])
  })

  it('under the one-phone null the longest stream is free and each further one costs q·S(elapsed)', () => {
    const surv = (ms: number) => priorSurvival(ms, 60_000)
    expect(heldLogP([300_000], 0.02, surv)).toBe(0)
    expect(heldLogP([300_000, 30_000], 0.02, surv)).toBeCloseTo(Math.log(0.02), 9)
    expect(heldLogP([300_000, 90_000], 0.02, surv)).toBeCloseTo(Math.log(0.02) - 1, 9)
    expect(priorSurvival(20_000, 60_000)).toBe(1)
  })

  it('six streams held a minute or more by one install pass the alert bar; a chat switch (two at once) scores nothing, three for 30 s stay under it', () => {
    // Each in a tenant of its own: no tenant rate lifts the priors.
    const list = [...many('script', 6, 60_000, 'a'), ...many('switcher', 2, 45_000, 'b'), ...many('three', 3, 30_000, 'c'), open('reader', 'r', 200_000)]
    const held = scoreOpenConcurrency(list, [], S)
    expect(held.get('a\u0000script')!.streams).toBe(6)
    expect(held.get('a\u0000script')!.z).toBeGreaterThan(S.zAlert)
    expect(held.get('b\u0000switcher')!.z).toBeLessThan(S.zAlert / 2)
    expect(held.get('c\u0000three')!.z).toBeLessThan(S.zAlert)
    expect(held.has('t\u0000reader')).toBe(false)
  })

  it("a tenant's own rate counts at its lower 99 % bound: one of one is no evidence, 50 of 100 is", () => {
    expect(rateAtLeast(0, 10)).toBe(0)
    expect(rateAtLeast(1, 1)).toBeCloseTo(0.01, 6)
    expect(rateAtLeast(5, 10)).toBeGreaterThan(0.14)
    expect(rateAtLeast(5, 10)).toBeLessThan(0.16)
    expect(rateAtLeast(50, 100)).toBeGreaterThan(0.37)
    // A lone chat switch beside the script, with no other reported stream in the tenant, leaves q at its prior.
    const held = scoreOpenConcurrency([...many('script', 6, 60_000), ...many('switcher', 2, 45_000)], [], S)
    expect(held.get('t\u0000script')!.pairRate).toBe(S.openStreamPairRate)
    expect(held.get('t\u0000script')!.z).toBeGreaterThan(S.zAlert)
  })

  it('two answers open for minutes stay under the bar: duration alone is not "many"', () => {
    const held = scoreOpenConcurrency([open('long', 'a', 600_000), open('long', 'b', 420_000)], [], S)
    expect(held.get('t\u0000long')!.z).toBeLessThan(S.zAlert)
  })

  it('a tenant whose own installs hold several long streams at once raises q: the same six streams weigh less there', () => {
    const parallelApp = Array.from({ length: 60 }, (_, i) => many(`app${i}`, 3, 60_000)).flat()
    const alone = scoreOpenConcurrency(many('script', 6, 60_000), [], S).get('t\u0000script')!
    const there = scoreOpenConcurrency([...parallelApp, ...many('script', 6, 60_000)], [], S).get('t\u0000script')!
    expect(there.pairRate).toBeGreaterThan(0.5)
    expect(there.z).toBeLessThan(alone.z / 2)
  })

  it("a tenant whose long answers run for minutes lifts S; the scored install's own streams are left out", () => {
    const list = many('script', 4, 240_000)
    const plain = scoreOpenConcurrency(list, [], S).get('t\u0000script')!
    const ownOnly = scoreOpenConcurrency(list, [closed('script', 600_000)], S).get('t\u0000script')!
    const reasoning = scoreOpenConcurrency(
      list,
      Array.from({ length: 100 }, (_, i) => closed(`r${i}`, 400_000)),
      S,
    ).get('t\u0000script')!
    expect(ownOnly.z).toBeCloseTo(plain.z, 9)
    expect(plain.z).toBeGreaterThan(S.zAlert)
    expect(reasoning.z).toBeLessThan(S.zAlert)
  })

  it('stream abuse scores the held streams in a small tenant too, and says why', () => {
    const stats = [closed('script', 8_000), closed('other', 8_000)]
    const held = scoreOpenConcurrency(many('script', 6, 90_000), stats, S)
    const row = scoreStreamAbuse(stats, S, held).find((r) => r.install_id === 'script')!
    expect(row.score).toBeGreaterThanOrEqual(50)
    expect(row.reasons.join(' ')).toMatch(/6 streams open at once now/)
  })
})
