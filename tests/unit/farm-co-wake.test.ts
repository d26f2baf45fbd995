import { describe, expect, it } from 'vitest'
import { coWakeGroups, MASK_MINUTES, returnsOf } from '@/lib/detection/farm-co-wake'
import { scoreGroups } from '@/lib/detection/farm-clusters'
import type { FarmInstall } from '@/lib/detection/farm-install'
import { DEFAULT_DETECTION_SETTINGS as S } from '@/lib/detection/settings'
import { farmInstall } from '../helpers/farm-install'

const MIN = 60_000
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0)
const END = NOW - MIN
const WINDOW_START = NOW - 60 * MIN
/** Epoch ms of mask minute `t` (0 … 63, in time order). */
const minuteAt = (t: number) => END - (MASK_MINUTES - 1 - t) * MIN

/** An install active in the mask minutes `active`, first seen at the first of them (or a day ago when `established`). */
function withMinutes(i: number, active: number[], established = false): FarmInstall {
  let lo = 0
  let hi = 0
  for (const t of active) {
    const back = MASK_MINUTES - 1 - t
    if (back < 32) lo |= 1 << back
    else hi |= 1 << (back - 32)
  }
  return farmInstall(i, {
    first_seen: established ? WINDOW_START - 86_400_000 : minuteAt(Math.min(...active)),
    last_seen: minuteAt(Math.max(...active)),
    app_version: '3.1.0',
    minutes_lo: lo >>> 0,
    minutes_hi: hi >>> 0,
    minutes_end: END,
  })
}

/** A seeded generator, so every run draws the same people. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Minutes of someone calling on a Poisson clock of `perMinute` from minute `from`. */
function poissonMinutes(r: () => number, from: number, perMinute: number): number[] {
  const out: number[] = []
  for (let t = from; t < MASK_MINUTES; t++) if (r() < 1 - Math.exp(-perMinute)) out.push(t)
  return out.length ? out : [from]
}

/** 400 established users and 150 ordinary new ones of the hour, each on a clock of its own. */
function tenant(seed: number): FarmInstall[] {
  const r = rng(seed)
  const established = Array.from({ length: 400 }, (_, k) => withMinutes(k, poissonMinutes(r, 0, 0.1 + 0.6 * r()), true))
  const fresh = Array.from({ length: 150 }, (_, k) => withMinutes(1000 + k, poissonMinutes(r, 4 + Math.floor(r() * 50), 0.2 + 0.8 * r())))
  return [...established, ...fresh]
}

describe('farms: new installs that come back together (farm-co-wake.ts)', () => {
  it("reads an install's returns after its first burst, two silent minutes apart", () => {
    const r = returnsOf(withMinutes(1, [10, 11, 14, 15, 16, 18, 30]))
    expect(r.at).toEqual([14, 30])
    expect(r.span).toBe(MASK_MINUTES - 14)
  })

  it('groups 25 new installs that register, fall silent and wake in the same minute every 5 minutes, and the farm detector alerts', () => {
    const base = tenant(7)
    const wakes = [20, 25, 30, 35, 40, 45, 50, 55, 60]
    const farm = Array.from({ length: 25 }, (_, k) => withMinutes(5000 + k, [14 + (k % 4), ...wakes]))
    const [g] = coWakeGroups([...base, ...farm], WINDOW_START, S.farmMinSize)
    expect(g.signal).toBe('co_wake')
    const ids = new Set(g.members.map((m) => m.install_id))
    expect(farm.every((m) => ids.has(m.install_id))).toBe(true)
    // A few honest new users back in 2+ of the 9 wakes, half their returns, are named beside it.
    expect(g.members.length).toBeLessThanOrEqual(farm.length + 5)
    expect(g.z).toBeGreaterThan(S.zAlert)
    const scored = scoreGroups([...base, ...farm], WINDOW_START, S.farmMinSize, S.zAlert).find((x) => x.signals.co_wake > 0)!
    expect(scored.z).toBeGreaterThanOrEqual(S.zAlert)
  })

  it('raises nothing for ordinary new users, in 20 draws of the tenant', () => {
    for (let seed = 1; seed <= 20; seed++) expect(coWakeGroups(tenant(seed), WINDOW_START, S.farmMinSize)).toEqual([])
  })

  it('raises nothing for a crowd of 600 new installs that arrived within 3 minutes (a TV ad) and call on clocks of their own', () => {
    const r = rng(3)
    const crowd = Array.from({ length: 600 }, (_, k) => withMinutes(8000 + k, poissonMinutes(r, 30 + Math.floor(r() * 3), 0.2 + 0.8 * r())))
    expect(coWakeGroups([...tenant(3), ...crowd], WINDOW_START, S.farmMinSize)).toEqual([])
  })

  it('raises nothing when established users come back at the same minutes too (a push to everyone, an app timer)', () => {
    const wakes = [20, 25, 30, 35, 40, 45, 50, 55, 60]
    const base = tenant(9).map((i, k) => (k < 400 && k % 2 === 0 ? withMinutes(k, [2, ...wakes], true) : i))
    const fresh = Array.from({ length: 25 }, (_, k) => withMinutes(5000 + k, [14 + (k % 4), ...wakes]))
    expect(coWakeGroups([...base, ...fresh], WINDOW_START, S.farmMinSize)).toEqual([])
  })
})
