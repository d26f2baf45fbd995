import { describe, expect, it } from 'vitest'
import type { ContextBaseline } from '../../lib/detection/bombing-sequential'
import {
  changeAt,
  joinAtOnset,
  MEMBER_Z,
  ONSET_SUFFIXES,
  onsetEvidence,
  onsetGroups,
  onsetOf,
  type OnsetRow,
  type SplitCandidate,
} from '../../lib/detection/bombing-onset'
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

/** An install's window from explicit requests: [minute, ln(size / median)]. */
function rowOf(id: string, requests: [number, number][]): OnsetRow {
  const sn = starts.map((s) => requests.filter(([m]) => m >= s).length)
  const sdev = starts.map((s) => requests.filter(([m]) => m >= s).reduce((a, [, x]) => a + x, 0))
  return { tenant_id: 't', feature: 'chat', install_id: id, n: requests.length, dev: requests.reduce((a, [, x]) => a + x, 0), starts, sn, sdev }
}
const minutes = (from: number, to: number, x: number, perMinute = 1): [number, number][] =>
  Array.from({ length: (to - from) * perMinute }, (_, i) => [from + Math.floor(i / perMinute), x])
const candidates = (rows: OnsetRow[]): SplitCandidate[] => rows.map((row) => ({ row, baseline: chat, ref: 0, prompt: 0 }))

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
    // Nor does another bin of the same feature: the feature changed, its smaller bins are part of that change.
    const launch = onsets([
      ...Array.from({ length: 60 }, (_, i) => row(`l${i}`, NOW - 8, 2)),
      ...Array.from({ length: 12 }, (_, i) => row(`e${i}`, NOW - 10, 2)),
    ])
    expect(onsetGroups(launch, installs(200), 5, 0.25, S.zAlert)).toHaveLength(0)
  })

  describe('the null at scale: honest onsets crowd the newest minutes of every feature', () => {
    // Onsets of one feature: `k` installs with their onset at each given minute (evidence rows keyed by feature).
    const at = (feature: string, spec: [number, number][]) =>
      spec.flatMap(([minute, k]) =>
        Array.from({ length: k }, (_, i) => {
          const r = { ...row(`${feature}-${minute}-${i}`, minute, 2, 3), feature }
          const o = onsetOf(r, chat.sigma, 0)!
          return { onset: o, evidence: onsetEvidence(r, chat, 0, o, 0) }
        }),
      )
    const features = ['chat', 'summarize', 'translate', 'search']
    const n = 5_000
    const sizes = new Map(features.map((f) => [`t\u0000${f}`, n]))
    // The bench's ordinary traffic at 5,000 ev/s: 10-37 onsets in the newest 2 minutes of every feature, a few scattered.
    const honest = (f: string, newest: number) =>
      at(f, [
        [NOW - 3, newest >> 1],
        [NOW - 2, newest - (newest >> 1)],
        [NOW - 9, 2],
        [NOW - 14, 2],
        [NOW - 17, 1],
      ])

    it('the crowd every feature shows is no coordinated start', () => {
      const all = [...honest('chat', 34), ...honest('summarize', 14), ...honest('translate', 18), ...honest('search', 12)]
      // Judged by the even spread alone it is one: 34 where 5 are expected.
      expect(
        onsetGroups(
          all.filter((o) => o.evidence.feature === 'chat'),
          new Map([['t\u0000chat', n]]),
          5,
          0.25,
          S.zAlert,
        )[0].z,
      ).toBeGreaterThan(S.zAlert)
      const groups = onsetGroups(all, sizes, 5, 0.25, S.zAlert)
      expect(groups.every((g) => g.z < S.zAlert)).toBe(true)
      expect(groups.find((g) => g.feature === 'chat')!.reasons[0]).toMatch(/as many as the tenants' other features show at the same minutes/)
    })

    it('an attack older than the crowd is still found, and one in a single feature does not raise the others', () => {
      const attack = at('chat', [[NOW - 8, 30]])
      const all = [...honest('chat', 24), ...attack, ...honest('summarize', 14), ...honest('translate', 18), ...honest('search', 12)]
      const groups = onsetGroups(all, sizes, 5, 0.25, S.zAlert)
      const chatGroup = groups.find((g) => g.feature === 'chat')!
      expect(chatGroup.z).toBeGreaterThan(S.zAlert)
      expect(chatGroup.members.filter((m) => m.since === (NOW - 8) * 60_000)).toHaveLength(30)
      expect(groups.filter((g) => g.feature !== 'chat').every((g) => g.z < S.zAlert)).toBe(true)
    })

    it('an attack in the newest minutes stands out of the crowd by its size: 60 where 15-20 are honest', () => {
      const attack = at('chat', [[NOW - 3, 60]])
      const all = [...honest('chat', 20), ...attack, ...honest('summarize', 14), ...honest('translate', 18), ...honest('search', 12)]
      expect(onsetGroups(all, sizes, 5, 0.25, S.zAlert).find((g) => g.feature === 'chat')!.z).toBeGreaterThan(S.zAlert)
    })
  })

  describe("members that changed at the group's minute", () => {
    const LN2 = Math.log(2)
    // A light install whose one honest request 11 minutes ago was already large: its best split is there, outside the bin.
    const early = rowOf('early', [[NOW - 20, 0], [NOW - 15, LN2], ...minutes(NOW - 12, NOW, LN2)])
    // Its own requests, 2 a minute, beside the attack's 2 a minute at 2x: √2 ≈ 1.41x on average, under the 1.5x bar.
    const half = rowOf('half', [...minutes(NOW - 29, NOW, 0, 2), ...minutes(NOW - 12, NOW, LN2 + 0.02, 2)])
    // 3 of its own a minute beside 1 at 2x: 1.19x, under half the group's shift too.
    const mixed = rowOf('mixed', [...minutes(NOW - 29, NOW, 0, 3), ...minutes(NOW - 12, NOW, LN2)])
    const heavy = rowOf('heavy', minutes(NOW - 29, NOW, LN2))
    const usual = rowOf('usual', minutes(NOW - 29, NOW, 0))
    // Its requests grew 8 minutes after the attack's (its first request since then came at that minute).
    const later = rowOf('later', [[NOW - 20, 0], ...minutes(NOW - 4, NOW, LN2, 2)])
    // Like `early`, but 5 requests at 2x since the attack's minute: z ≈ 2.6 there, under MEMBER_Z.
    const weak = rowOf('weak', [[NOW - 25, 0], [NOW - 15, LN2], ...[12, 10, 8, 6, 4].map((m): [number, number] => [NOW - m, LN2])])
    const attack = Array.from({ length: 25 }, (_, i) => row(`a${i}`, NOW - 12, 2))
    const rows = [...attack, early, half, mixed, heavy, usual, later, weak]

    it('an install whose best split lies before the attack is tested once at the attack minute: changed there', () => {
      expect(onsetOf(early, chat.sigma, 0)?.minute).toBe(NOW - 15)
      const o = changeAt(early, chat.sigma, 0, NOW - 12)
      expect(o?.minute).toBe(NOW - 12)
      expect(o!.z).toBeGreaterThan(2.5)
      expect(changeAt(half, chat.sigma, 0, NOW - 12)).toBeNull()
      expect(changeAt(half, chat.sigma, 0, NOW - 12, LN2 / 2)?.shift).toBeCloseTo(LN2 / 2 + 0.01, 5)
      for (const r of [mixed, heavy, usual]) expect(changeAt(r, chat.sigma, 0, NOW - 12, LN2 / 2)).toBeNull()
      expect(changeAt(weak, chat.sigma, 0, NOW - 12)!.z).toBeLessThan(MEMBER_Z)
      // Elevated since the attack's minute, but its first request since came 8 minutes later.
      expect(changeAt(later, chat.sigma, 0, NOW - 12)?.minute).toBe(NOW - 4)
    })

    it('a group over the alert line lists those that changed at its minute (not counted), and no other install', () => {
      const groups = onsetGroups(onsets(rows), installs(500), 5, 0.25, S.zAlert)
      expect(groups[0].onset).toEqual({ minute: NOW - 12, shift: expect.closeTo(LN2, 5) })
      expect(groups[0].members.map((m) => m.install_id)).not.toContain('early')
      const [g] = joinAtOnset(groups, candidates(rows))
      expect(g.z).toBe(groups[0].z)
      expect(g.score).toBe(groups[0].score)
      expect(g.members.map((m) => m.install_id).sort()).toEqual([...attack.map((a) => a.install_id), 'early', 'half'].sort())
      expect(g.reasons[1]).toMatch(/^2 more installs whose requests grew 1\.41x or more from/)
    })

    it("the attack's minute is the one most of the bin's installs changed at, not an honest onset a minute before", () => {
      const LN3 = Math.log(3)
      const honest = rowOf('honest', [
        [NOW - 25, 0],
        [NOW - 13, LN3],
        [NOW - 9, LN3],
        [NOW - 5, LN3],
      ])
      expect(onsetOf(honest, chat.sigma, 0)?.minute).toBe(NOW - 13)
      const [g] = onsetGroups(onsets([...attack, honest]), installs(500), 5, 0.25, S.zAlert)
      expect(g.members.map((m) => m.install_id)).toContain('honest')
      expect(g.onset?.minute).toBe(NOW - 12)
    })

    it('a group under the alert line lists none of them', () => {
      const few = [...attack.slice(0, 6), early, half]
      const groups = onsetGroups(onsets(few), installs(500), 5, 0.25, S.zAlert)
      expect(groups[0].z).toBeLessThan(S.zAlert)
      expect(joinAtOnset(groups, candidates(few))[0].members).toHaveLength(6)
    })
  })
})
