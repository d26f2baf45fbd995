import { describe, expect, it } from 'vitest'
import { heldLogP, priorSurvival, scoreOpenConcurrency } from '../../lib/detection/open-stream-concurrency'
import { windowHeldLogP, type HeldInterval } from '../../lib/detection/held-window-streams'
import type { OpenStream } from '../../lib/detection/open-streams'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { zFromLogTail } from '../../lib/detection/stats'

const MIN = 60_000
const surv = (ms: number) => priorSurvival(ms, S.openStreamTailMs)
const span = (startMin: number, endMin: number): HeldInterval => ({ start_ms: startMin * MIN, last_ms: endMin * MIN })
const zOf = (streams: HeldInterval[], q = S.openStreamPairRate, survival = surv) => zFromLogTail(windowHeldLogP(streams, q, survival).lnP)

describe('long streams held at once, over the window (held-window-streams.ts)', () => {
  it("one phone's long answers one after another carry no evidence, however long", () => {
    const w = windowHeldLogP([span(0, 6), span(6.5, 12), span(12.5, 15)], S.openStreamPairRate, surv)
    expect(w).toEqual({ streams: 3, extras: 0, lnP: 0 })
  })

  it('one chat switch during a long answer is one event: the window says nothing, however long both ran', () => {
    const w = windowHeldLogP([span(0, 12), span(2, 11)], S.openStreamPairRate, surv)
    expect(w.extras).toBe(1)
    expect(w.lnP).toBe(0)
  })

  it('three answers of 6 minutes held at once pass the alert bar; the moment test, leaving the longest free, does not', () => {
    const three = [span(0, 6), span(0.2, 6), span(0.4, 6)]
    expect(windowHeldLogP(three, S.openStreamPairRate, surv).extras).toBe(2)
    expect(zOf(three)).toBeGreaterThan(S.zAlert)
    const elapsed = three.map((s) => s.last_ms - s.start_ms)
    expect(zFromLogTail(heldLogP(elapsed, S.openStreamPairRate, surv))).toBeLessThan(S.zAlert)
    // Three for 4 minutes are not yet enough.
    expect(zOf([span(0, 4), span(0.2, 4), span(0.4, 4)])).toBeLessThan(S.zAlert)
  })

  it('the most ordinary reading: the extras are as few as one phone allows, and the order of the list does not matter', () => {
    // Two chains of answers one after another, side by side: 6 streams, one phone could have run 3 of them.
    const two = [span(0, 3), span(0.1, 3), span(3.2, 6), span(3.3, 6), span(6.2, 9), span(6.3, 9)]
    const w = windowHeldLogP(two, S.openStreamPairRate, surv)
    expect(w.extras).toBe(3)
    expect(windowHeldLogP([...two].reverse(), S.openStreamPairRate, surv)).toEqual(w)
    // More answers held side by side, more evidence.
    expect(zOf(two)).toBeGreaterThan(zOf(two.slice(0, 4)))
  })

  it('a tenant whose answers run for minutes, or side by side, by design lifts S or q: the same streams weigh little there', () => {
    const three = [span(0, 6), span(0.2, 6), span(0.4, 6)]
    expect(zOf(three, S.openStreamPairRate, () => 0.5)).toBeLessThan(S.zAlert - 2)
    expect(zOf(three, 0.5)).toBeLessThan(zOf(three))
  })

  it("scoreOpenConcurrency keeps the higher reading and says which; without the window's streams it is the moment test", () => {
    const NOW = 20 * MIN
    const stream = (id: string, startMin: number): OpenStream => ({
      tenant_id: 't',
      install_id: 'script',
      stream_id: id,
      feature: 'chat',
      start_ms: startMin * MIN,
      last_ms: NOW,
      elapsed_ms: NOW - startMin * MIN,
      context_tokens: 900,
      completion_tokens: 5_000,
    })
    const open = [stream('a', 14), stream('b', 14.2), stream('c', 14.4)]
    const moment = scoreOpenConcurrency(open, [], S).get('t\u0000script')!
    expect(moment.window).toBeUndefined()
    const history = new Map([['t\u0000script', open.map((o) => ({ start_ms: o.start_ms, last_ms: o.last_ms }))]])
    const both = scoreOpenConcurrency(open, [], S, history).get('t\u0000script')!
    expect(both.window).toMatchObject({ streams: 3, extras: 2 })
    expect(both.z).toBe(Math.max(moment.z, both.window!.z))
    expect(both.z).toBeGreaterThan(S.zAlert)
    expect(moment.z).toBeLessThan(S.zAlert)
  })
})
