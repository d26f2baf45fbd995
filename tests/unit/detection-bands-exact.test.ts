import { describe, expect, it } from 'vitest'
import { band, logBand, mad, median, percentile } from '../../lib/detection/stats'

/** The definitions band and logBand must reproduce bit for bit: every MAD from sorted deviations, logs sorted apart. */
function reference(values: number[]) {
  const finite = values.filter(Number.isFinite)
  const med = median(finite)
  const logs = values.map((v) => Math.log1p(Math.max(0, v)))
  const logMedian = logs.length ? median(logs) : 0
  return {
    band: {
      median: finite.length ? med : 0,
      mad: finite.length ? mad(finite, med) : 0,
      p90: finite.length ? percentile(finite, 0.9) : 0,
      p99: finite.length ? percentile(finite, 0.99) : 0,
      n: finite.length,
    },
    logMedian,
    logMad: logs.length ? mad(logs, logMedian) : 0,
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('band and logBand: one sort, MAD by merging the two sides of the median', () => {
  it('equal the sort-everything definitions exactly on heavy-tailed samples with ties, zeros and non-finite values', () => {
    const r = rng(7)
    for (let trial = 0; trial < 400; trial++) {
      const n = Math.floor(r() * 300)
      const values = Array.from({ length: n }, () => {
        const u = r()
        if (u < 0.03) return [Number.NaN, Infinity, -Infinity, -3][Math.floor(r() * 4)]
        if (u < 0.2) return Math.floor(r() * 4) // ties and zeros
        return Math.round(Math.exp(r() * 12)) / (r() < 0.5 ? 1 : 7)
      })
      expect(band(values)).toEqual(reference(values).band)
      expect(logBand(values)).toEqual(reference(values))
    }
  })

  it('keep the conventions for empty and all-NaN samples', () => {
    expect(logBand([])).toEqual({ band: { median: 0, mad: 0, p90: 0, p99: 0, n: 0 }, logMedian: 0, logMad: 0 })
    const nan = logBand([Number.NaN, Number.NaN])
    expect(nan.band.n).toBe(0)
    expect(Number.isNaN(nan.logMedian) && Number.isNaN(nan.logMad)).toBe(true)
  })
})
