import { describe, expect, it } from 'vitest'
import type { OpenStream } from '../../lib/detection/open-streams'
import { ANSWER_LINE_FLOOR, ANSWER_LINE_MIN_MINUTES, OVERLONG_FACTOR, answerLines, overlongStreams } from '../../lib/detection/stream-answer-line'
import type { StepRates } from '../../lib/detection/stream-zombie'

const step = (longest: [string, number][], answer_minutes = 20, feature = 'chat'): StepRates => ({
  tenant_id: 't',
  feature,
  installs: [],
  install_minutes: 0,
  bins: [],
  counts: [],
  answer_minutes,
  longest,
})
const open = (install: string, tokens: number, feature = 'chat'): OpenStream => ({
  tenant_id: 't',
  install_id: install,
  stream_id: `s-${install}-${tokens}`,
  feature,
  start_ms: 0,
  last_ms: 0,
  elapsed_ms: 600_000,
  context_tokens: 900,
  completion_tokens: tokens,
})

describe('the answer line: the 5th longest install’s longest answer of the hour', () => {
  it('takes each install’s longest across steps, so a few installs cannot lift it, and floors it', () => {
    // Two attackers' closed pipes (a: 50k and 40k, b: 45k) and ordinary long answers of 5k-9k from six installs: the
    // pipes take two of the five places, one install once however many pipes it closed.
    const steps = [
      [
        step([
          ['a', 50_000],
          ['u1', 9_000],
          ['u2', 8_000],
          ['u3', 7_000],
        ]),
        step([
          ['a', 40_000],
          ['u4', 6_000],
          ['u5', 5_500],
          ['u6', 5_000],
        ]),
      ],
      [
        step([
          ['b', 45_000],
          ['u1', 8_500],
        ]),
      ],
    ]
    const lines = answerLines(steps)
    expect(lines.get('t\u0000chat')).toEqual({ tokens: 7_000, answerMinutes: 60 })
    const terse = answerLines([
      [
        step(
          [
            ['u1', 900],
            ['u2', 800],
            ['u3', 700],
            ['u4', 600],
            ['u5', 500],
          ],
          80,
        ),
      ],
    ])
    expect(terse.get('t\u0000chat')?.tokens).toBe(ANSWER_LINE_FLOOR)
  })

  it('knows no line for a feature with too few answers or installs', () => {
    const five: [string, number][] = [
      ['u1', 9_000],
      ['u2', 8_000],
      ['u3', 7_000],
      ['u4', 6_000],
      ['u5', 5_000],
    ]
    expect(answerLines([[step(five, ANSWER_LINE_MIN_MINUTES - 1)]]).size).toBe(0)
    expect(answerLines([[step(five.slice(0, 4), 500)]]).size).toBe(0)
    expect(answerLines([[step(five, ANSWER_LINE_MIN_MINUTES)]]).get('t\u0000chat')?.tokens).toBe(5_000)
  })

  it('names an install with an open stream past the factor times its feature’s line, scaled by how far', () => {
    const line = { tokens: 4_096, answerMinutes: 500 }
    const lineOf = (_t: string, f: string) => (f === 'chat' ? line : undefined)
    const found = overlongStreams(
      [open('pipe', 4 * OVERLONG_FACTOR * 4_096), open('reader', 6_000), open('near', OVERLONG_FACTOR * 4_096 - 1), open('other', 90_000, 'voice')],
      lineOf,
      6,
    )
    expect([...found.keys()]).toEqual(['t\u0000pipe'])
    expect(found.get('t\u0000pipe')).toMatchObject({ z: 12, streams: 1, tokens: 49_152, feature: 'chat', line: 4_096 })
  })
})
