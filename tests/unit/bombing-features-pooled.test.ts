import { describe, expect, it } from 'vitest'
import { applyPooled, pooledAcrossFeatures, pooledLeadKeys, POOL_MIN_CUSUM } from '@/lib/detection/bombing-features-pooled'
import { cusumZ, type SequentialEvidence } from '@/lib/detection/bombing-sequential'
import { DEFAULT_DETECTION_SETTINGS as S, FINDING_MIN_SCORE } from '@/lib/detection/settings'

const ev = (install: string, feature: string, cusum: number): SequentialEvidence => ({
  tenant_id: 't',
  feature,
  install_id: install,
  cusum,
  cusum_peak: cusum,
  llr_total: cusum,
  elevation_z: 0,
  requests: 12,
  mean_context: 2_000,
  baseline_median: 900,
  baseline_sigma: 0.6,
  baseline_source: 'feature',
  since: 0,
})
const row = (install: string, feature: string, score: number) => ({
  tenant_id: 't',
  feature,
  install_id: install,
  score,
  severity: null,
  reasons: [] as string[],
})

describe('prompt bombing: one install over several features at once (bombing-features-pooled.ts)', () => {
  it('pools an install whose three features each hold evidence under the line, and raises its lead row over it', () => {
    // Each feature at z 4.2-4.9 (S 9-12), none at the line (z 6, S 18); pooled S = 33 - ln 3 ≈ 31.9, z ≈ 8.
    const evidence = [ev('bomber', 'chat', 12), ev('bomber', 'search', 10), ev('bomber', 'summarize', 9), ev('heavy', 'chat', 15)]
    const pooled = pooledAcrossFeatures(evidence)
    expect([...pooled.keys()]).toEqual(['t\u0000bomber'])
    const p = pooled.get('t\u0000bomber')!
    expect(p.lead.feature).toBe('chat')
    expect(cusumZ(p.cusum)).toBeGreaterThan(S.zAlert)
    expect(pooledLeadKeys(pooled, S.zAlert, FINDING_MIN_SCORE)).toEqual(['t\u0000chat\u0000bomber'])
    const rows = [row('bomber', 'chat', 30), row('bomber', 'search', 20), row('heavy', 'chat', 40)]
    applyPooled(rows, pooled, S.zAlert)
    expect(rows[0].score).toBeGreaterThanOrEqual(50)
    expect(rows[0].reasons[0]).toMatch(/sustained on 3 features at once: chat 2.2x/)
    expect(rows[1].score).toBe(20)
    expect(rows[2].score).toBe(40)
  })

  it('pools nothing for one feature, nor for features whose evidence is a trace each (an honest user of several)', () => {
    expect(pooledAcrossFeatures([ev('heavy', 'chat', 30)]).size).toBe(0)
    const traces = ['chat', 'search', 'summarize', 'translate'].map((f) => ev('user', f, POOL_MIN_CUSUM - 0.5))
    expect(pooledAcrossFeatures(traces).size).toBe(0)
  })

  it('keeps an install whose pooled evidence is no more than its strongest feature as it is', () => {
    // 20 + 2 − ln 2 = 21.3 > 20: pooled; a second feature under POOL_MIN_CUSUM holds no evidence of its own: not.
    expect(pooledAcrossFeatures([ev('a', 'chat', 20), ev('a', 'search', 2)]).size).toBe(1)
    expect(pooledAcrossFeatures([ev('a', 'chat', 20), ev('a', 'search', 0.5)]).size).toBe(0)
  })
})
