import { describe, expect, it } from 'vitest'
import { MIN_FEATURE_INSTALLS, scorePromptBombing } from '../../lib/detection/prompt-bombing'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

/** One install's window on a feature whose requests all carry `context` prompt tokens. */
function install(i: number, context: number, requests = 10) {
  return {
    tenant_id: 't',
    feature: 'support_bot',
    install_id: `i${i}`,
    active_minutes: 5,
    requests,
    streams: 0,
    prompt_tokens: requests * context,
    completion_tokens: requests * 200,
    cost_micros: requests * 400,
    peak_tokens_per_minute: 3 * (context + 200),
    max_context_tokens: context,
    max_completion_tokens: 200,
    peak_concurrency: 0,
  }
}

const scoreOf = (rows: { install_id: string; score: number }[], id: string) => rows.find((r) => r.install_id === id)!.score

describe('prompt bombing on populations with no spread', () => {
  it('does not score a feature with too few installs to compare against', () => {
    // Two installs at the fixed system prompt, one at twice it: MAD 0, so the old 0.1 floor made this z ≈ 6.9.
    const rows = scorePromptBombing([install(0, 500), install(1, 500), install(2, 1000)], S).rows
    expect(scoreOf(rows, 'i2')).toBe(0)
    expect(rows.find((r) => r.install_id === 'i2')!.reasons.join(' ')).toMatch(/too few/)
    expect(rows.every((r) => r.severity === null)).toBe(true)
  })

  it('does not flag twice the median when every other install sends the same fixed prompt', () => {
    const pop = [...Array.from({ length: 30 }, (_, i) => install(i, 500)), install(99, 1000)]
    const row = scorePromptBombing(pop, S).rows.find((r) => r.install_id === 'i99')!
    expect(row.score).toBeLessThan(25)
    expect(row.severity).toBeNull()
  })

  it('still scores a real bomb (20x the median context from one install) high', () => {
    const pop = [...Array.from({ length: 30 }, (_, i) => install(i, 500)), install(99, 10_000, 20)]
    const row = scorePromptBombing(pop, S).rows.find((r) => r.install_id === 'i99')!
    expect(row.severity).toBe('critical')
    expect(row.reasons.join(' ')).toMatch(/context tokens 10,000, 20\.0x the feature median/)
  })

  it('scores from the smallest population it accepts', () => {
    const pop = [...Array.from({ length: MIN_FEATURE_INSTALLS - 1 }, (_, i) => install(i, 500)), install(99, 10_000, 20)]
    expect(scorePromptBombing(pop, S).rows.find((r) => r.install_id === 'i99')!.severity).toBe('critical')
    expect(scoreOf(scorePromptBombing(pop.slice(1), S).rows, 'i99')).toBe(0)
  })
})
