import { describe, expect, it } from 'vitest'
import {
  band,
  binomialLogTail,
  binomialZ,
  coefficientOfVariation,
  logRobustZ,
  mad,
  median,
  normalQuantile,
  percentile,
  robustZ,
  topShare,
  zToScore,
} from '../../lib/detection/stats'

describe('robust statistics', () => {
  it('median and percentiles interpolate between ranks', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(percentile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6)
    expect(percentile([10], 0.99)).toBe(10)
    expect(Number.isNaN(median([]))).toBe(true)
    expect(median([1, Number.NaN, 3])).toBe(2)
  })

  it('MAD ignores the outliers a standard deviation would chase', () => {
    const normal = [10, 11, 9, 10, 12, 8, 10, 11, 9, 10]
    expect(mad(normal)).toBe(1)
    // One attacker 1000x the population barely moves the median and not the MAD.
    expect(mad([...normal, 10_000])).toBe(1)
    expect(robustZ(10_000, median(normal), mad(normal))).toBeGreaterThan(6000)
  })

  it('robust z uses 1.4826 × MAD as sigma and floors a zero spread', () => {
    expect(robustZ(13, 10, 1)).toBeCloseTo(3 / 1.4826)
    expect(robustZ(11, 10, 0, 0.5)).toBe(2)
  })

  it('log-scale z treats 10x the median the same for small and large features', () => {
    const small = Array.from({ length: 200 }, (_, i) => 100 * Math.exp(((i % 20) - 10) / 20))
    const large = small.map((v) => v * 1000)
    expect(logRobustZ(1000, small)).toBeCloseTo(logRobustZ(1_000_000, large), 0)
  })

  it('band reports median, MAD and upper percentiles', () => {
    const b = band(Array.from({ length: 101 }, (_, i) => i))
    expect(b).toMatchObject({ median: 50, mad: 25, n: 101 })
    expect(b.p90).toBeCloseTo(90)
    expect(b.p99).toBeCloseTo(99)
    expect(band([])).toEqual({ median: 0, mad: 0, p90: 0, p99: 0, n: 0 })
  })

  it('top share measures spend concentration', () => {
    expect(topShare([1, 1, 1, 97], 1)).toBeCloseTo(0.97)
    expect(topShare([25, 25, 25, 25], 2)).toBeCloseTo(0.5)
    expect(topShare([0, 0], 1)).toBe(0)
  })

  it('coefficient of variation', () => {
    expect(coefficientOfVariation([5, 5, 5])).toBe(0)
    expect(coefficientOfVariation([1])).toBeNull()
    expect(coefficientOfVariation([1, 3])).toBeCloseTo(Math.SQRT2 / 2)
  })

  it('score is 50 at the alert threshold and saturates towards 100', () => {
    expect(zToScore(6, 6)).toBeCloseTo(50, 0)
    expect(zToScore(12, 6)).toBeGreaterThan(90)
    expect(zToScore(0, 6)).toBe(0)
    expect(zToScore(-3, 6)).toBe(0)
    expect(zToScore(100, 6)).toBeLessThanOrEqual(100)
  })
})

describe('binomial tail z', () => {
  it('matches the normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.95996, 4)
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.3613, 3)
  })

  it('one disconnect in one stream is weak evidence, 17 of 20 is overwhelming', () => {
    expect(binomialZ(1, 1, 0.03)).toBeCloseTo(1.88, 1)
    expect(binomialZ(17, 20, 0.03)).toBeGreaterThan(9)
    expect(binomialZ(5, 100, 0.05)).toBe(0)
    expect(binomialZ(0, 10, 0.1)).toBe(0)
  })

  it('stays finite for tails far below double precision', () => {
    const z = binomialZ(600, 1000, 0.001)
    expect(Number.isFinite(z)).toBe(true)
    expect(z).toBeGreaterThan(40)
  })

  it('gives the same value on every call, counts beyond the kept ln Γ table and fractional counts included', () => {
    // ln Γ of integer counts is kept after its first use (stats.ts): a later call must not see a different number.
    for (const [k, n, p] of [
      [3, 40, 0.02],
      [70_000, 100_000, 0.6],
      [2.5, 10.5, 0.1],
    ]) {
      const first = binomialLogTail(k, n, p)
      expect(Number.isFinite(first)).toBe(true)
      expect(binomialLogTail(k, n, p)).toBe(first)
    }
    // P(X ≥ 1) = 1 − (1 − p)^n
    expect(binomialLogTail(1, 40, 0.02)).toBeCloseTo(Math.log(1 - 0.98 ** 40), 10)
  })

  it('is monotone in k', () => {
    const zs = [2, 4, 6, 8, 10].map((k) => binomialZ(k, 50, 0.05))
    for (let i = 1; i < zs.length; i++) expect(zs[i]).toBeGreaterThan(zs[i - 1])
  })
})
