import { describe, expect, it } from 'vitest'
import { followsMovedRest, LAUNCH_MIN_INSTALLS, movedLevel, type FeatureLevel } from '../../lib/detection/bombing-launch'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import { MODERATE_RATIO } from '../../lib/detection/bombing-moderate'

const b: ContextBaseline = { mu: Math.log(1_000), sigma: 0.5, requests: 5_000, median: 1_000, source: 'feature' }
/** The rest of the feature: its median moved `ratio`x, its lower quartile at `q25`x the old median. */
const rest = (ratio: number, q25: number, installs = 400): FeatureLevel => ({
  installs,
  requests: installs * 20,
  q25: b.mu + Math.log(q25),
  q50: b.mu + Math.log(ratio),
})

describe('launch guard for a feature that moves slowly (followsMovedRest)', () => {
  it('holds back members that grew about as much as everyone (a creep at 1.3x: members at 1.6x)', () => {
    expect(movedLevel(b, rest(1.3, 1.05))).toBeUndefined()
    expect(followsMovedRest(b, rest(1.3, 1.05), Math.log(1.6), MODERATE_RATIO)).toBe(true)
  })

  it('keeps an attack on a subset: the rest did not move (half of it is below the old median)', () => {
    expect(followsMovedRest(b, rest(1.0, 0.75), Math.log(1.6), MODERATE_RATIO)).toBe(false)
  })

  it('keeps members well above a feature that moved (an attack during a slow change)', () => {
    expect(followsMovedRest(b, rest(1.3, 1.05), Math.log(2.5), MODERATE_RATIO)).toBe(false)
  })

  it('needs enough installs in the rest, and the members own shift', () => {
    expect(followsMovedRest(b, rest(1.3, 1.05, LAUNCH_MIN_INSTALLS - 1), Math.log(1.6), MODERATE_RATIO)).toBe(false)
    expect(followsMovedRest(b, rest(1.3, 1.05), undefined, MODERATE_RATIO)).toBe(false)
    expect(followsMovedRest(b, undefined, Math.log(1.6), MODERATE_RATIO)).toBe(false)
  })
})
