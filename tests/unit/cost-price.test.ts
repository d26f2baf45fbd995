import { describe, expect, it } from 'vitest'
import type { VersionMinute } from '../../lib/detection/cost-anomalies'
import { explainByPrice, scorePriceDrift } from '../../lib/detection/cost-price'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import type { CostAnomalyRow } from '../../lib/detection/types'
import { PriceBook } from '../../lib/pricing/cost'
import { Rng } from '../../lib/simulator/random'

const book = new PriceBook([{ model: 'm1', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 8_000_000 }])
const S = { ...DEFAULT_DETECTION_SETTINGS, costWindowMinutes: 5, costMinRequests: 20, costPriceMinRatio: 1.1 }
const now = Date.parse('2026-12-06T12:00:00Z')

/**
 * 3 h of one tenant's minutes on model m1, two features; from the window's
 * start on, `scale` multiplies the tokens and `billed` what the gateway bills
 * per catalog micro-dollar on 90 % of the calls (the rest Burnrate prices itself).
 */
function minutes(opts: { billed?: number; scale?: number; model?: string } = {}): VersionMinute[] {
  const rng = new Rng(7)
  const out: VersionMinute[] = []
  for (let t = now - 180 * 60_000; t < now; t += 60_000) {
    const recent = t >= now - S.costWindowMinutes * 60_000
    for (const feature of ['chat', 'summarize']) {
      const requests = 8 + rng.int(6)
      const scale = recent ? (opts.scale ?? 1) : 1
      const prompt = Math.round(requests * 900 * scale * (0.8 + 0.4 * rng.next()))
      const completion = Math.round(requests * 250 * (0.8 + 0.4 * rng.next()))
      const catalog = (prompt * 2_000_000 + completion * 8_000_000) / 1e6
      // Rounding per event and a gateway that bills 97 % of the catalog (a negotiated discount).
      const factor = 0.9 * 0.97 * (recent ? (opts.billed ?? 1) : 1) + 0.1
      const cost = Math.round(catalog * factor * (1 + (rng.next() - 0.5) * 0.004))
      out.push({
        tenant_id: 't',
        feature,
        model: opts.model ?? 'm1',
        app_version: '1.0',
        t,
        requests,
        cost,
        prompt_tokens: prompt,
        completion_tokens: completion,
      })
    }
  }
  return out
}

describe('price lens (billed per catalog cost, per tenant and model)', () => {
  it('raises a gateway price rise of 1.3x that leaves token counts as they were', () => {
    const [row] = scorePriceDrift(minutes({ billed: 1.3 }), now, S, book)
    expect(row.kind).toBe('price_per_token')
    expect(row.subject).toBe('t/m1')
    expect(row.ratio).toBeGreaterThan(1.25)
    expect(row.ratio).toBeLessThan(1.3)
    expect(row.severity).not.toBeNull()
    expect(row.reasons[0]).toMatch(/m1 billed 1\.\d\dx its catalog price/)
  })

  it('stays quiet when requests grow (3x the context) at an unchanged price: that is the request checks’ business', () => {
    const [row] = scorePriceDrift(minutes({ scale: 3 }), now, S, book)
    expect(row.ratio).toBeGreaterThan(0.97)
    expect(row.ratio).toBeLessThan(1.03)
    expect(row.severity).toBeNull()
  })

  it('does not alert under DETECT_COST_PRICE_MIN_RATIO, however steady the ratio', () => {
    const [row] = scorePriceDrift(minutes({ billed: 1.08 }), now, S, book)
    expect(row.z).toBeGreaterThan(S.zAlert)
    expect(row.severity).toBeNull()
    expect(scorePriceDrift(minutes({ billed: 1.08 }), now, { ...S, costPriceMinRatio: 1.05 }, book)[0].severity).not.toBeNull()
  })

  it('skips models the catalog does not price and minutes without token sums', () => {
    expect(scorePriceDrift(minutes({ billed: 2, model: 'private-llm' }), now, S, book)).toEqual([])
    const noTokens = minutes({ billed: 2 }).map(({ prompt_tokens: _p, completion_tokens: _c, ...m }) => m)
    expect(scorePriceDrift(noTokens, now, S, book)).toEqual([])
  })

  it('keeps a feature row the price explains under the alert line, not one that rose more', () => {
    const [price] = scorePriceDrift(minutes({ billed: 1.3 }), now, S, book)
    const feature = (ratio: number): CostAnomalyRow => ({
      ...price,
      kind: 'cost_per_request',
      subject: 't/chat',
      subject_kind: 'feature',
      feature: 'chat',
      ratio,
      score: 80,
      severity: 'critical',
      reasons: [],
    })
    const explained = feature(1.3)
    const beyond = feature(2.5)
    explainByPrice([price, explained, beyond])
    expect(explained.severity).toBeNull()
    expect(explained.score).toBe(49)
    expect(explained.reasons.at(-1)).toMatch(/explained by the price of m1/)
    expect(beyond.severity).toBe('critical')
  })

  it('keeps a version row the sustained tier raised against its own past under the line too, not a release against the other versions', () => {
    const [price] = scorePriceDrift(minutes({ billed: 1.3 }), now, S, book)
    const version = (against: 'own_past' | 'other_versions'): CostAnomalyRow => ({
      ...price,
      kind: 'cost_per_request',
      subject: 't/chat/1.0',
      subject_kind: 'feature',
      feature: 'chat',
      app_version: '1.0',
      ratio: 1.3,
      score: 70,
      severity: 'warning',
      reasons: [],
      sustained: { minutes: 20, ratio: 1.3, z: 9, halves: [1.3, 1.3], baseline_median: 1000, against, decided: true },
    })
    const alone = version('own_past')
    const release = version('other_versions')
    explainByPrice([price, alone, release])
    expect(alone.severity).toBeNull()
    expect(alone.reasons.at(-1)).toMatch(/explained by the price of m1/)
    expect(release.severity).toBe('warning')
  })
})
