import { describe, expect, it } from 'vitest'
import type { ContextBaseline } from '../../lib/detection/bombing-sequential'
import { ONSET_SUFFIXES, onsetEvidence, onsetGroups, onsetOf, type OnsetRow } from '../../lib/detection/bombing-onset'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

const chat: ContextBaseline = { mu: Math.log(900), sigma: 0.6, requests: 5000, median: 900, source: 'feature' }
const NOW = 30_000
const starts = ONSET_SUFFIXES.map((m) => NOW - m)

/**
 * An install's window as the suffix sums see it: `before` requests at 1x, then from minute `at` on, `perMinute`
 * requests a minute at `ratio`x the median (every minute up to NOW - 1).
 */
function row(id: string, at: number, ratio: number, perMinute = 1, before = 4): OnsetRow {
  const requests: [number, number][] = []
  for (let m = NOW - 29; m < NOW; m++) {
    if (m < at && m % 7 === 0 && requests.filter(([, x]) => x === 0).length < before) requests.push([m, 0])
    if (m >= at) for (let k = 0; k < perMinute; k++) requests.push([m, Math.log(ratio)])
  }
  const sn = starts.map((s) => requests.filter(([m]) => m >= s).length)
  const sdev = starts.map((s) => requests.filter(([m]) => m >= s).reduce((a, [, x]) => a + x, 0))
  return { tenant_id: 't', feature: 'chat', install_id: id, n: requests.length, dev: requests.reduce((a, [, x]) => a + x, 0), starts, sn, sdev }
}

const onsets = (rows: OnsetRow[]) =>
  rows.flatMap((r) => {
    const o = onsetOf(r, chat.sigma, 0)
    return o ? [{ onset: o, evidence: onsetEvidence(r, chat, 0, o, 0) }] : []
  })
const installs = (n: number) => new Map([['t\u0000chat', n]])

describe('prompt bombing: shared onset', () => {
  it('an install that doubled its requests 8 minutes ago has its onset there; one at its usual size has none', () => {
    const o = onsetOf(row('a', NOW - 8, 2), chat.sigma, 0)
    expect(o?.minute).toBe(NOW - 8)
    expect(o!.shift).toBeCloseTo(Math.log(2), 5)
    expect(onsetOf(row('h', NOW - 8, 1), chat.sigma, 0)).toBeNull()
  })

  it('a heavy user, large all along, has no onset: its requests before any split are as large', () => {
    const heavy = row('p', NOW - 29, 2, 1, 0)
    expect(onsetOf(heavy, chat.sigma, 0)).toBeNull()
    // One that started its session 10 minutes ago has its onset at its first request (a scattered time).
    expect(onsetOf(row('q', NOW - 10, 2, 1, 0), chat.sigma, 0)?.minute).toBe(NOW - 10)
  })

  it('25 installs at 2x, 1 request a minute, starting within 2 minutes of each other, form a group over the alert line among 500', () => {
    const attack = Array.from({ length: 25 }, (_, i) => row(`a${i}`, NOW - 8 + (i % 3 === 2 ? 1 : 0), 2))
    // Honest installs whose requests grew at scattered minutes.
    const honest = [19, 17, 15, 13, 3, 2].map((m, i) => row(`h${i}`, NOW - m, 3))
    const [g] = onsetGroups(onsets([...attack, ...honest]), installs(500), 5, 0.25, S.zAlert)
    expect(g.z).toBeGreaterThan(S.zAlert)
    expect(g.members.map((m) => m.install_id).sort()).toEqual(attack.map((a) => a.install_id).sort())
    expect(g.reasons[0]).toMatch(/25 of 500 active installs of chat began sending requests 2\.0x/)
  })

  it('the same installs starting at scattered minutes raise nothing: no shared onset', () => {
    const scattered = Array.from({ length: 18 }, (_, i) => row(`s${i}`, NOW - 19 + i, 2))
    const g = onsetGroups(onsets(scattered), installs(500), 5, 0.25, S.zAlert)
    expect(g.every((x) => x.z < S.zAlert)).toBe(true)
  })

  it('a change of over a quarter of the installs (the feature itself changed) and a handful raise nothing', () => {
    const attack = onsets(Array.from({ length: 25 }, (_, i) => row(`a${i}`, NOW - 8, 2)))
    expect(onsetGroups(attack, installs(60), 5, 0.25, S.zAlert)).toHaveLength(0)
    expect(onsetGroups(attack.slice(0, 4), installs(500), 5, 0.25, S.zAlert)).toHaveLength(0)
  })
})
