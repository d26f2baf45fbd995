import { describe, expect, it } from 'vitest'
import { perInstallStep } from '../../lib/queries/unit-cost-series'
import { resolveRange } from '../../lib/time-range'

describe('the auto bucket of cost per active install', () => {
  const now = Date.UTC(2026, 11, 5, 12, 34)
  it('is at least an hour, and a day over ranges longer than 2 days', () => {
    expect(perInstallStep(resolveRange({ range: '1h' }, now))).toBe(3_600)
    expect(perInstallStep(resolveRange({ range: '24h' }, now))).toBe(3_600)
    expect(perInstallStep(resolveRange({ range: '7d' }, now))).toBe(86_400)
    expect(perInstallStep(resolveRange({ range: '30d' }, now))).toBe(86_400)
  })
  it('keeps a coarser bucket, rounded up to whole hours or days', () => {
    expect(perInstallStep({ fromMs: 0, toMs: 86_400_000, stepS: 3 * 3_600 })).toBe(3 * 3_600)
    expect(perInstallStep({ fromMs: 0, toMs: 10 * 86_400_000, stepS: 5_400 })).toBe(86_400)
    expect(perInstallStep({ fromMs: 0, toMs: 90 * 86_400_000, stepS: 2 * 86_400 })).toBe(2 * 86_400)
  })
})
