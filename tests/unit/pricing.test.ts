import { describe, expect, it } from 'vitest'
import { PriceBook } from '../../lib/pricing/cost'

const book = new PriceBook([
  { model: 'm', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000 },
  { model: 'm', effectiveFrom: '2026-06-01', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 5_000_000 },
])

describe('PriceBook', () => {
  it('costs in integer micro-dollars', () => {
    // 1000 in × $3/M + 200 out × $15/M = $0.003 + $0.003 = 6000 µ$
    expect(book.costMicros('m', Date.parse('2026-03-01T00:00:00Z'), 1000, 200)).toBe(6000)
  })
  it('applies a price change from its effective date on', () => {
    expect(book.costMicros('m', Date.parse('2026-05-31T23:59:59Z'), 1_000_000, 0)).toBe(3_000_000)
    expect(book.costMicros('m', Date.parse('2026-06-01T00:00:00Z'), 1_000_000, 0)).toBe(1_000_000)
  })
  it('has no price before the first entry or for unknown models', () => {
    expect(book.costMicros('m', Date.parse('2025-12-31T00:00:00Z'), 10, 10)).toBeNull()
    expect(book.costMicros('other', Date.now(), 10, 10)).toBeNull()
  })
  it('stays exact at the largest token counts', () => {
    const cost = book.costMicros('m', Date.parse('2026-03-01T00:00:00Z'), 10_000_000, 10_000_000)
    expect(cost).toBe(180_000_000)
    expect(Number.isInteger(cost)).toBe(true)
  })
})
