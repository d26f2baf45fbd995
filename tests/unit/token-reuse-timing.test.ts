import { describe, expect, it } from 'vitest'
import { poissonLogTail } from '../../lib/detection/stats'
import { timingEvidence } from '../../lib/detection/token-reuse-timing'

const SEC = 1_000

describe('token reuse timing evidence', () => {
  it('Poisson tail: P(X ≥ 1) = 1 − e^−m, P(X ≥ 0) = 1, and tiny tails stay finite in log space', () => {
    expect(Math.exp(poissonLogTail(1, 1))).toBeCloseTo(1 - Math.exp(-1), 9)
    expect(poissonLogTail(0, 3)).toBe(0)
    expect(Math.exp(poissonLogTail(3, 0.5))).toBeCloseTo(1 - Math.exp(-0.5) * (1 + 0.5 + 0.125), 9)
    expect(poissonLogTail(60, 0.5)).toBeLessThan(-200)
    expect(Number.isFinite(poissonLogTail(60, 0.5))).toBe(true)
  })

  it('counts quick switches per direction against a phone flipping at its own rate out of each network, and needs both ways', () => {
    // Ten cycles of 150 s: A at 0, 30, 60 s, then B 2 s after that A (a quick switch), B at 90 and 120 s, back to A at 150 s.
    const cycle = [
      [0, 'A'],
      [30, 'A'],
      [60, 'A'],
      [62, 'B'],
      [90, 'B'],
      [120, 'B'],
    ] as const
    const requests = Array.from({ length: 10 }, (_, c) => cycle.map(([s, net]) => ({ start_ms: (c * 150 + s) * SEC, net }))).flat()
    const t = timingEvidence(requests, 20 * SEC)
    expect(t.switches).toBe(19)
    expect(t.quick).toEqual([10, 0])
    expect(t.expected[0]).toBeLessThan(1)
    expect(t.directionZ[0]).toBeGreaterThan(3)
    // One way only is what a phone retrying failed wifi requests over cellular makes: the weaker direction decides.
    expect(t.weakerZ).toBe(0)
    expect(t.roundTrips).toBe(0)
  })

  it('reads only the two busiest networks and needs a switch', () => {
    expect(timingEvidence([{ start_ms: 0, net: 'A' }], 20 * SEC).switches).toBe(0)
    const t = timingEvidence(
      [
        { start_ms: 0, net: 'A' },
        { start_ms: 1 * SEC, net: 'C' },
        { start_ms: 2 * SEC, net: 'A' },
        { start_ms: 3 * SEC, net: 'B' },
        { start_ms: 4 * SEC, net: 'B' },
      ],
      20 * SEC,
    )
    expect(t.switches).toBe(1)
  })
})
