import { describe, expect, it } from 'vitest'
import { MaxHeap, peakOpen, selectNth } from '../../lib/detection/stream-order-stats'

/**
 * stream-window-minutes.ts computes each install's peak of open streams and
 * its median stream length without sorting: they must equal what
 * streamInstallsSql computes (the running sum over sorted start/end points,
 * ends first at a tie; quantileExact(0.5), the element at ⌊n/2⌋ in order),
 * ties, zero-length streams and nested streams included.
 */
function sqlPeak(streams: { end: number; duration: number }[]): number {
  const points = streams.flatMap((x) => [(x.end - x.duration) * 2 + 1, x.end * 2]).sort((a, b) => a - b)
  let open = 0
  let peak = -Infinity
  for (const p of points) {
    open += p % 2 === 1 ? 1 : -1
    peak = Math.max(peak, open)
  }
  return peak
}

function random(seed: number) {
  let x = seed
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

describe('stream window: peak open streams and median length', () => {
  it('equals the engine’s running sum and quantileExact on random streams with ties and zero lengths', () => {
    const rnd = random(7)
    const heap = new MaxHeap()
    for (let t = 0; t < 2_000; t++) {
      const n = 1 + Math.floor(rnd() * (t % 10 === 0 ? 200 : 12))
      // Coarse times so ends and starts coincide often; some streams last 0 ms, some span many others.
      const streams = Array.from({ length: n }, () => ({
        end: 100_000 + Math.floor(rnd() * 40) * 500,
        duration: Math.floor(rnd() * 8) * 500 * (rnd() < 0.1 ? 10 : 1),
      }))
      streams.sort((a, b) => a.end - b.end)
      // Padding either side: the functions must read only [lo, hi).
      const ends = Float64Array.from([5, ...streams.map((x) => x.end), 9e9])
      const durations = Float64Array.from([5, ...streams.map((x) => x.duration), 1])
      expect(peakOpen(ends, durations, 1, n + 1, heap)).toBe(sqlPeak(streams))
      const sorted = streams.map((x) => x.duration).sort((a, b) => a - b)
      expect(selectNth(durations, 1, n, 1 + Math.floor(n / 2))).toBe(sorted[Math.floor(n / 2)])
    }
  })

  it('counts a stream that starts as another ends as not overlapping it, and a 0 ms stream as never open', () => {
    const heap = new MaxHeap()
    expect(peakOpen(Float64Array.from([2_000, 3_000]), Float64Array.from([1_000, 1_000]), 0, 2, heap)).toBe(1)
    expect(peakOpen(Float64Array.from([2_000, 3_000]), Float64Array.from([1_000, 1_001]), 0, 2, heap)).toBe(2)
    expect(peakOpen(Float64Array.from([2_000]), Float64Array.from([0]), 0, 1, heap)).toBe(0)
  })
})
