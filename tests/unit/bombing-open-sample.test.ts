import { describe, expect, it } from 'vitest'
import { rescoreAgainstOwn } from '../../lib/detection/bombing-window-own'
import { addOpenStreams, featureBands, scoreInstall, type UsageRow } from '../../lib/detection/prompt-bombing-score'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

/** One install's closed requests on a feature in the window: `requests` of `context` prompt tokens each. */
function usage(id: string, context: number, requests: number): UsageRow {
  return {
    tenant_id: 't',
    feature: 'chat',
    install_id: id,
    active_minutes: Math.min(15, requests),
    requests,
    streams: 0,
    prompt_tokens: requests * context,
    completion_tokens: requests * 300,
    cost_micros: requests * 900,
    peak_tokens_per_minute: (context + 300) * Math.ceil(requests / 15),
    max_context_tokens: context,
    max_completion_tokens: 300,
    peak_concurrency: 0,
  }
}

// A feature of 300 installs whose typical request is 1,000-1,200 tokens (the bench's chat median is 1,068).
const population = Array.from({ length: 300 }, (_, i) => usage(`i${i}`, Math.round(1000 * (1 + (i % 21) / 100)), 3 + (i % 40)))

function withOpen(u: UsageRow, streams: number, context: number): UsageRow {
  const list = [u]
  addOpenStreams(list, new Map([[`t\u0000chat\u0000${u.install_id}`, { streams, context: streams * context, maxContext: context }]]))
  return list[0]
}

const score = (u: UsageRow) => scoreInstall(u, featureBands([...population, u]), S)!

describe('streams open now are scored apart from the install other requests', () => {
  it('raises a bomber whose 4 open 100k streams sit among 200 ordinary requests of its user', () => {
    // The 1,000 ev/s bench's bomber at its first run: 204 ordinary requests and 4 open 50k-200k streams averaged 2.7x (z 4.4).
    const diluted = withOpen(usage('heavy-bomber', 1100, 204), 4, 100_000)
    const row = score(diluted)
    expect(row.metrics.context_tokens.value).toBeLessThan(3 * 1100) // the window mean is diluted ...
    expect(row.score).toBeGreaterThanOrEqual(50) // ... the open streams alone are not
    expect(row.reasons.join(' ')).toMatch(/4 streams open now averaging 100,000 context tokens/)
  })

  it('keeps the rule that a single request is never scored, and ordinary open streams of a heavy user raise nothing', () => {
    expect(score(withOpen(usage('one', 1100, 200), 1, 150_000)).score).toBeLessThan(50)
    expect(score(withOpen(usage('chatty', 1100, 200), 4, 2_400)).score).toBeLessThan(25)
  })

  it('is judged against the install own past like the window mean', () => {
    const diluted = withOpen(usage('b', 1100, 204), 4, 100_000)
    const all = [...population, diluted]
    const fb = featureBands(all)
    const bands = new Map([['t\u0000chat', fb]])
    const row = scoreInstall(diluted, fb, S)!
    // An ordinary past keeps the score; a past of requests as large as the open streams clears it.
    expect(rescoreAgainstOwn([row], [diluted], bands, [usage('b', 1100, 400)], S)[0].score).toBe(row.score)
    expect(rescoreAgainstOwn([row], [diluted], bands, [usage('b', 100_000, 400)], S)[0].score).toBeLessThan(25)
  })
})
