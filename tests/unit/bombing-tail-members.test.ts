import { describe, expect, it } from 'vitest'
import { joinByHugeRequests, overLineRate } from '../../lib/detection/bombing-tail-members'
import { normalUpperTail } from '../../lib/detection/stats'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import type { BombingGroup } from '../../lib/detection/bombing-groups'
import type { InstallMinutes } from '../../lib/detection/bombing-minutes'
import type { SequentialEvidence } from '../../lib/detection/bombing-sequential'

const MEDIAN = 900
const b: ContextBaseline = { mu: Math.log(MEDIAN), sigma: 0.6, requests: 20_000, median: MEDIAN, source: 'feature' }
const baselines = new Map([['t\u0000chat', b]])
const ONSET = 1000

const member = (id: string) => ({ tenant_id: 't', feature: 'chat', install_id: id, since: ONSET * 60_000 }) as SequentialEvidence
const group = (score = 60): BombingGroup => ({
  subject: 't:bombing-x',
  tenant_id: 't',
  feature: 'chat',
  kind: 'feature_excess',
  trait: 'feature',
  value: 'chat',
  z: 7,
  score,
  members: [member('a'), member('b')],
  installs: 500,
  elevated: 2,
  reasons: [],
  onset: { minute: ONSET, shift: 1 },
})

/** An install's minutes: `sizes[i]` one request of that many tokens at minute ONSET - 5 + i. */
const install = (id: string, sizes: number[]): InstallMinutes => ({
  tenant_id: 't',
  feature: 'chat',
  install_id: id,
  minutes: sizes.map((_, i) => ONSET - 5 + i),
  requests: sizes.map(() => 1),
  prompt: sizes,
})

/** 400 honest installs of ordinary requests, and `late`, an install whose one huge stream came after the onset beside ordinary requests. */
const honest = Array.from({ length: 400 }, (_, i) => install(`h${i}`, [800, 1000, 900, 700, 1100, 950, 850, 900, 1000, 800]))
const late = install('late', [900, 800, 900, 800, 900, 800, 60_000, 900])

describe('members with one huge request each (bombing-tail-members.ts)', () => {
  it('lists an install with one request over 16x the median since the onset, not counted', () => {
    const [g] = joinByHugeRequests([group()], { series: [...honest, late], baselines, tails: new Map(), alpha: 0.05 })
    expect(g.members.map((m) => m.install_id)).toEqual(['a', 'b', 'late'])
    expect(g.score).toBe(60)
    expect(g.z).toBe(7)
  })

  it('names nobody in a feature whose users send such requests (the expected chance names over alpha)', () => {
    const tails = new Map([['t\u0000chat', { requests: 20_000, over: 300, line: 16 * MEDIAN }]])
    const [g] = joinByHugeRequests([group()], { series: [...honest, late], baselines, tails, alpha: 0.05 })
    expect(g.members).toHaveLength(2)
  })

  it('looks only at groups over the alert line, and only since the onset', () => {
    expect(joinByHugeRequests([group(40)], { series: [late], baselines, tails: new Map(), alpha: 0.05 })[0].members).toHaveLength(2)
    const before = install('before', [60_000, 900])
    expect(joinByHugeRequests([group()], { series: [before], baselines, tails: new Map(), alpha: 0.05 })[0].members).toHaveLength(2)
  })

  it('takes the larger of the log-normal tail and the observed rate', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6)
    expect(normalUpperTail(3)).toBeCloseTo(0.00135, 4)
    expect(normalUpperTail(4.62) / 1.92e-6).toBeGreaterThan(0.95)
    expect(overLineRate(b, undefined)).toBeCloseTo(normalUpperTail(Math.log(16) / 0.6), 12)
    expect(overLineRate(b, { requests: 1000, over: 15, line: 16 * MEDIAN })).toBe(0.015)
  })
})
