import { describe, expect, it } from 'vitest'
import { mergeOpenStreams, scoreStreamAbuse, type StreamStats } from '../../lib/detection/stream-abuse'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { isZombie, ZOMBIE_RATE_MIN_INSTALLS, ZombieLines, zombieLineOf, type FeatureStreamRate } from '../../lib/detection/stream-zombie'

const MIN = 60_000
const rate = (tenant: string, feature: string, p10: number, installs = 40): FeatureStreamRate => ({
  tenant_id: tenant,
  feature,
  installs,
  install_minutes: installs * 10,
  p10_tokens_per_sec: p10,
})
/** A stream open `elapsedMs` at `tps` tokens a second. */
const open = (install: string, id: string, feature: string, elapsedMs: number, tps: number) => ({
  tenant_id: 't',
  install_id: install,
  stream_id: id,
  feature,
  start_ms: 0,
  last_ms: elapsedMs,
  elapsed_ms: elapsedMs,
  context_tokens: 900,
  completion_tokens: Math.round((elapsedMs / 1000) * tps),
})
const closed = (install: string): StreamStats => ({
  tenant_id: 't',
  install_id: install,
  streams: 4,
  max_duration_ms: 9_000,
  median_duration_ms: 7_000,
  zombie_streams: 0,
  client_disconnects: 0,
  disconnect_cost_micros: 0,
  cost_micros: 400,
  max_concurrent: 1,
})

describe('zombie line: a fraction of the feature’s own slow decile, or the absolute line, whichever is higher', () => {
  it('a feature streaming at 30-80 tok/s (slow decile 40) draws the line at 4 tok/s: 1.2 tok/s for 6 minutes is a zombie, not before 5 minutes', () => {
    const line = zombieLineOf(rate('t', 'chat', 40), S)
    expect(line.tokensPerSec).toBeCloseTo(4, 9)
    expect(line.basis).toMatch(/chat's slow decile \(40 tok\/s over 400 install-minutes\)/)
    expect(isZombie(6 * MIN, 1.2 * 360, line.tokensPerSec, S)).toBe(true)
    expect(isZombie(4 * MIN, 1.2 * 240, line.tokensPerSec, S)).toBe(false)
    // Just under and over the line, at exactly the minimum duration.
    expect(isZombie(5 * MIN, 3.9 * 300, line.tokensPerSec, S)).toBe(true)
    expect(isZombie(5 * MIN, 4.1 * 300, line.tokensPerSec, S)).toBe(false)
  })

  it('a slow-by-nature feature (voice sessions, slow decile 2 tok/s) keeps the absolute line: 1.2 tok/s is not a zombie there, 0.8 is', () => {
    const line = zombieLineOf(rate('t', 'voice', 2), S)
    expect(line.tokensPerSec).toBe(S.zombieMaxTokensPerSec)
    expect(isZombie(20 * MIN, 1.2 * 1200, line.tokensPerSec, S)).toBe(false)
    expect(isZombie(20 * MIN, 0.8 * 1200, line.tokensPerSec, S)).toBe(true)
  })

  it('a feature streamed by too few installs, an unknown feature, and the setting at 0 keep the absolute line', () => {
    const few = zombieLineOf(rate('t', 'beta', 60, ZOMBIE_RATE_MIN_INSTALLS - 1), S)
    expect(few.tokensPerSec).toBe(1)
    expect(few.basis).toMatch(/streamed by 9 installs, too few/)
    expect(zombieLineOf(rate('t', 'beta', 60, ZOMBIE_RATE_MIN_INSTALLS), S).tokensPerSec).toBeCloseTo(6, 9)
    expect(zombieLineOf(undefined, S).tokensPerSec).toBe(1)
    expect(zombieLineOf(rate('t', 'chat', 40), { ...S, zombieFeatureRateFraction: 0 }).tokensPerSec).toBe(1)
    // A higher absolute line wins over a lower feature line.
    expect(zombieLineOf(rate('t', 'chat', 40), { ...S, zombieMaxTokensPerSec: 5 }).tokensPerSec).toBe(5)
  })

  it("closed streams (stored without their feature) take their tenant's lowest feature line; the query gets only tenants above the absolute one", () => {
    const lines = new ZombieLines([rate('a', 'chat', 40), rate('a', 'search', 30), rate('b', 'chat', 50), rate('b', 'voice', 2), rate('c', 'chat', 60, 3)], S)
    expect(lines.feature('a', 'chat').tokensPerSec).toBeCloseTo(4, 9)
    expect(lines.tenant('a').tokensPerSec).toBeCloseTo(3, 9)
    expect(lines.feature('b', 'chat').tokensPerSec).toBeCloseTo(5, 9)
    expect(lines.tenant('b').tokensPerSec).toBe(1)
    expect(lines.tenant('c').tokensPerSec).toBe(1)
    expect(lines.feature('a', 'new_feature').tokensPerSec).toBe(1)
    expect(lines.tenant('unknown').tokensPerSec).toBe(1)
    const p = lines.sqlParams()
    expect(p.line_tenants).toEqual(['a'])
    expect(p.line_tps[0]).toBeCloseTo(3, 9)
    expect(p).toMatchObject({ zombie_ms: S.zombieMinMs, zombie_tps: S.zombieMaxTokensPerSec })
  })
})

describe('open streams judged against their feature’s line', () => {
  it('two 1.2 tok/s streams open 6 minutes alert in a 40 tok/s feature, not in a voice feature nor with the absolute line alone', () => {
    const lines = new ZombieLines([rate('t', 'chat', 40), rate('t', 'voice', 2)], S)
    const run = (feature: string, l?: ZombieLines) => {
      const stats = Array.from({ length: 12 }, (_, i) => closed(`u${i}`))
      mergeOpenStreams(stats, [open('z', 'z1', feature, 6 * MIN, 1.2), open('z', 'z2', feature, 5.5 * MIN, 1.3)], S, l)
      return scoreStreamAbuse(stats, S).find((r) => r.install_id === 'z')!
    }
    const chat = run('chat', lines)
    expect(chat.zombie_streams).toBe(2)
    expect(chat.score).toBeGreaterThanOrEqual(50)
    expect(chat.reasons.join(' ')).toMatch(/2 zombie stream\(s\).*under 4 tok\/s/)
    expect(run('voice', lines).zombie_streams).toBe(0)
    expect(run('chat').zombie_streams).toBe(0)
  })
})
