import { describe, expect, it } from 'vitest'
import { CHANCE_ALPHA, CHANCE_CONTINUATION, conversationShape, type Call } from '../../lib/detection/bombing-conversations'
import { Rng } from '../../lib/simulator/random'

const MEDIAN = 900

/**
 * Sessions that re-send their history: each turn's context is the last one plus its answer plus a short message.
 * `ordinary` of the person's other requests (independent, the feature's usual sizes) fall between turns.
 */
function chat(rng: Rng, sessions: number, ordinary = 0, cap = Infinity): Call[] {
  const calls: Call[] = []
  let t = 0
  const other = () => ({ start: (t += 5_000), context: Math.round(rng.lognormal(MEDIAN, 0.6)), output: Math.round(rng.lognormal(320, 0.45)) })
  for (let s = 0; s < sessions; s++) {
    let context = Math.round(rng.lognormal(700, 0.3))
    const turns = 6 + rng.int(13)
    for (let k = 0; k < turns; k++) {
      const output = Math.round(rng.lognormal(320, 0.45))
      calls.push({ start: (t += 30_000), context: Math.min(cap, context), output })
      if (rng.chance(ordinary)) calls.push(other())
      context += output + 40 + rng.int(110)
    }
  }
  return calls
}

/** A bomber: every request an independent draw around `times` the median. */
function bomber(rng: Rng, n: number, times: number, sigma = 0.6): Call[] {
  return Array.from({ length: n }, (_, i) => ({
    start: i * 20_000,
    context: Math.round(rng.lognormal(times * MEDIAN, sigma)),
    output: Math.round(rng.lognormal(320, 0.45)),
  }))
}

describe('a conversation growing turn by turn', () => {
  it('is told from a bomber drawing large contexts, also with the person’s other requests between turns', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed)
      expect(conversationShape(chat(rng, 3), MEDIAN).grown, `chat ${seed}`).toBe(true)
      expect(conversationShape(chat(rng, 3, 0.6), MEDIAN).grown, `chat with other requests ${seed}`).toBe(true)
      for (const times of [2, 3, 5, 10]) expect(conversationShape(bomber(rng, 30, times), MEDIAN).grown, `bomber ${times}x ${seed}`).toBe(false)
    }
  })

  it('a repeated fixed prompt does not grow, nor does a paste of 10k tokens a turn, nor bombs hidden among short turns', () => {
    const fixed = Array.from({ length: 20 }, (_, i) => ({ start: i, context: 50_000, output: 300 }))
    expect(conversationShape(fixed, MEDIAN)).toMatchObject({ large: 20, continued: 0, grown: false })
    let c = 1000
    const pasted = Array.from({ length: 20 }, (_, i) => ({ start: i, context: (c += 10_000), output: 300 }))
    expect(conversationShape(pasted, MEDIAN).grown).toBe(false)
    // A real conversation, and a 40k-token bomb after every third turn: the bombs carry most of the large calls' tokens.
    const mixed = chat(new Rng(9), 3).flatMap((call, i) => (i % 3 === 2 ? [call, { start: call.start + 1, context: 40_000, output: 300 }] : [call]))
    expect(conversationShape(mixed, MEDIAN).grown).toBe(false)
  })

  it('needs more continued large calls than chance lines up, and a chat trimmed at a cap is judged as before once it sits there', () => {
    // Large calls that line up as growth (the first continues nothing): 4 of 5 is what chance gives a bomber about once
    // in 70 runs, too often to spare it; 7 of 8 about once in 2,600.
    const lined = (n: number) => {
      let c = 1_600
      return Array.from({ length: n }, (_, i) => ({ start: i, context: (c += 400), output: 300 }))
    }
    expect(CHANCE_CONTINUATION ** 4).toBeGreaterThan(CHANCE_ALPHA)
    expect(conversationShape(lined(5), MEDIAN)).toMatchObject({ large: 5, continued: 4, grown: false })
    expect(conversationShape(lined(8), MEDIAN)).toMatchObject({ large: 8, continued: 7, grown: true })
    const capped = chat(new Rng(4), 1, 0, 2_000).concat(Array.from({ length: 20 }, (_, i) => ({ start: 1e9 + i, context: 2_000, output: 300 })))
    expect(conversationShape(capped, MEDIAN).grown).toBe(false)
  })
})
