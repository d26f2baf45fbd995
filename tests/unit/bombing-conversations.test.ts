import { describe, expect, it } from 'vitest'
import { conversationShape, type Call } from '../../lib/detection/bombing-conversations'
import { Rng } from '../../lib/simulator/random'

const MEDIAN = 900

/** Sessions that re-send their history: each turn's context is the last one plus its answer plus a short message. */
function chat(rng: Rng, sessions: number, cap = Infinity): Call[] {
  const calls: Call[] = []
  let t = 0
  for (let s = 0; s < sessions; s++) {
    let context = Math.round(rng.lognormal(700, 0.3))
    const turns = 6 + rng.int(13)
    for (let k = 0; k < turns; k++) {
      const output = Math.round(rng.lognormal(320, 0.45))
      calls.push({ start: (t += 30_000), context: Math.min(cap, context), output })
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
  it('is told from a bomber drawing large contexts', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed)
      expect(conversationShape(chat(rng, 3), MEDIAN).grown, `chat ${seed}`).toBe(true)
      for (const times of [2, 3, 5, 10]) expect(conversationShape(bomber(rng, 30, times), MEDIAN).grown, `bomber ${times}x ${seed}`).toBe(false)
    }
  })

  it('a repeated fixed prompt does not grow, nor does a bomber that answers itself with a huge paste', () => {
    const fixed = Array.from({ length: 20 }, (_, i) => ({ start: i, context: 50_000, output: 300 }))
    expect(conversationShape(fixed, MEDIAN)).toMatchObject({ large: 20, continued: 0, grown: false })
    // Each turn re-sends the last one but adds 10k new tokens: far more than an ordinary request.
    let c = 1000
    const pasted = Array.from({ length: 20 }, (_, i) => ({ start: i, context: (c += 10_000), output: 300 }))
    expect(conversationShape(pasted, MEDIAN).grown).toBe(false)
  })

  it('needs a few large calls, and a chat trimmed at a cap is judged as before once it sits there', () => {
    expect(conversationShape(chat(new Rng(3), 1).slice(0, 5), MEDIAN).grown).toBe(false)
    // Seven large calls that line up as growth (a bomber's few draws can, by chance) are too few to spare it.
    let c = 1_600
    const seven = Array.from({ length: 7 }, (_, i) => ({ start: i, context: (c += 400), output: 300 }))
    expect(conversationShape(seven, MEDIAN)).toMatchObject({ large: 7, continued: 6, grown: false })
    const capped = chat(new Rng(4), 1, 2_000).concat(Array.from({ length: 20 }, (_, i) => ({ start: 1e9 + i, context: 2_000, output: 300 })))
    expect(conversationShape(capped, MEDIAN).grown).toBe(false)
  })
})
