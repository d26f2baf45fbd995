import { describe, expect, it } from 'vitest'
import { rescoreAgainstOwn } from '../../lib/detection/bombing-window-own'
import { featureBands, scoreInstall, type UsageRow } from '../../lib/detection/prompt-bombing-score'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

/** One install's usage on a feature: `requests` requests of `context` prompt tokens each (spread ±10% across installs). */
function usage(id: string, context: number, requests: number): UsageRow {
  return {
    tenant_id: 't',
    feature: 'search_qa',
    install_id: id,
    active_minutes: requests,
    requests,
    streams: 0,
    prompt_tokens: requests * context,
    completion_tokens: requests * 250,
    cost_micros: requests * 900,
    peak_tokens_per_minute: context + 250,
    max_context_tokens: context,
    max_completion_tokens: 250,
    peak_concurrency: 0,
  }
}

const population = Array.from({ length: 200 }, (_, i) => usage(`i${i}`, Math.round(1200 * (0.9 + (i % 21) / 100)), 8))

function scored(target: UsageRow) {
  const list = [...population, target]
  const fb = featureBands(list)
  const row = scoreInstall(target, fb, S)!
  return { row, bands: new Map([['t\u0000search_qa', fb]]) }
}

describe('the window prompt-bombing test judged against the install own past', () => {
  it('clears a heavy user whose last 90 minutes were as heavy as the window', () => {
    const heavy = usage('heavy', 4800, 5)
    const { row, bands } = scored(heavy)
    expect(row.score).toBeGreaterThanOrEqual(50) // 4x the feature median reads as an outlier against the feature alone
    const [again] = rescoreAgainstOwn([row], [heavy], bands, [usage('heavy', 4600, 30)], S)
    expect(again.score).toBeLessThan(25)
    expect(again.reasons.join(' ')).toMatch(/own past 90 min \(30 requests/)
  })

  it('still raises an install whose past was ordinary (recruited into an attack), and a new id with no past', () => {
    const bomber = usage('bomber', 4800, 5)
    const { row, bands } = scored(bomber)
    const [recruited] = rescoreAgainstOwn([row], [bomber], bands, [usage('bomber', 1200, 30)], S)
    expect(recruited.score).toBe(row.score)
    const [fresh] = rescoreAgainstOwn([row], [bomber], bands, [], S)
    expect(fresh.score).toBe(row.score)
  })

  it('still raises a huge prompt from a heavy user, and a single heavy request in the past moves the reference little', () => {
    const huge = usage('huge', 60_000, 5)
    const { row, bands } = scored(huge)
    const [again] = rescoreAgainstOwn([row], [huge], bands, [usage('huge', 4600, 30)], S)
    expect(again.score).toBeGreaterThanOrEqual(50)
    const moderate = usage('m', 4800, 5)
    const m = scored(moderate)
    const [onePast] = rescoreAgainstOwn([m.row], [moderate], m.bands, [usage('m', 4800, 1)], S)
    expect(onePast.score).toBeGreaterThanOrEqual(50)
  })
})
