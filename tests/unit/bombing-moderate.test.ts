import { describe, expect, it } from 'vitest'
import { mergeGroups } from '../../lib/detection/bombing-groups'
import { featuresWithMovedVersions, moderateEvidence, moderateGroups, movedVersionMedian, type ShiftRow } from '../../lib/detection/bombing-moderate'
import type { ContextBaseline } from '../../lib/detection/bombing-sequential'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

const chat: ContextBaseline = { mu: Math.log(900), sigma: 0.6, requests: 5000, median: 900, source: 'feature' }
/** An install's window: n requests whose mean log context sits `ratio`x the feature's median. */
const win = (id: string, ratio: number, n = 30): ShiftRow => ({
  tenant_id: 't',
  feature: 'chat',
  install_id: id,
  n,
  dev: n * Math.log(ratio),
  prompt: n * 900 * ratio,
  first_minute: 1000,
})
const installs = (n: number) => new Map([['t\u0000chat', n]])

describe('prompt bombing: coordinated moderate excess', () => {
  it('20 installs at 2x among 600 form one group over the alert line; each alone is a heavy user', () => {
    const ev = Array.from({ length: 20 }, (_, i) => moderateEvidence(win(`a${i}`, 2), chat, undefined))
    const groups = moderateGroups(ev, installs(600), S.zAlert)
    expect(groups).toHaveLength(1)
    expect(groups[0].members).toHaveLength(20)
    expect(groups[0].z).toBeGreaterThan(S.zAlert)
    expect(groups[0].reasons[0]).toMatch(/20 of 600 active installs of chat/)
  })

  it('the same 20 installs are not elevated when their own history was as large (power users)', () => {
    const ev = Array.from({ length: 20 }, (_, i) => moderateEvidence(win(`p${i}`, 2), chat, { n: 200, dev: 200 * Math.log(2) }))
    expect(ev.every((e) => e.elevation_z === 0)).toBe(true)
    expect(moderateGroups(ev, installs(600), S.zAlert)).toHaveLength(0)
  })

  it('a release that moved its version is the reference of its installs', () => {
    const e = moderateEvidence(win('r', 2), chat, undefined, Math.log(2))
    expect(e.elevation_z).toBe(0)
    expect(e.baseline_source).toBe('version')
  })

  it('a whole-feature shift (over a quarter of the installs) and a handful of installs raise nothing', () => {
    const wide = Array.from({ length: 200 }, (_, i) => moderateEvidence(win(`w${i}`, 2), chat, undefined))
    expect(moderateGroups(wide, installs(600), S.zAlert)).toHaveLength(0)
    const few = Array.from({ length: 4 }, (_, i) => moderateEvidence(win(`f${i}`, 2), chat, undefined))
    expect(moderateGroups(few, installs(600), S.zAlert)).toHaveLength(0)
  })

  it('at 1.3x no install counts, however long it runs', () => {
    const ev = Array.from({ length: 30 }, (_, i) => moderateEvidence(win(`s${i}`, 1.3, 200), chat, undefined))
    expect(moderateGroups(ev, installs(600), S.zAlert)).toHaveLength(0)
  })

  it('chance-level counts in a big feature stay under the alert line', () => {
    // 0.2 % of 3,000 installs just past z 3: what heavy tails give by chance.
    const ev = Array.from({ length: 6 }, (_, i) => ({ ...moderateEvidence(win(`c${i}`, 1.6, 15), chat, undefined) }))
    expect(ev.every((e) => e.elevation_z >= 3 && e.elevation_z < 4)).toBe(true)
    const g = moderateGroups(ev, installs(3000), S.zAlert)
    expect(g.every((x) => x.z < S.zAlert)).toBe(true)
  })

  it('an install that upgraded during the window is judged against the moved version it used, whichever its profile names', () => {
    const medians = new Map([
      ['t\u0000chat\u00002.0', 900],
      ['t\u0000chat\u00002.1', 3600],
      ['t\u0000chat\u00002.2', 1000],
    ])
    // Profile says 2.0 (anyLast), the events say it also used the 2.1 release that re-sends history.
    expect(movedVersionMedian(chat, medians, 't', 'chat', ['2.0', '2.1'])).toBe(3600)
    // A version that did not move (2.2 is 1.1x) is no reference; nor is an unknown one.
    expect(movedVersionMedian(chat, medians, 't', 'chat', ['2.0', '2.2', '9.9'])).toBeUndefined()
  })

  it('only features with a moved version need the versions their installs used: elsewhere no version can be the reference', () => {
    const search: ContextBaseline = { ...chat, mu: Math.log(400), median: 400 }
    const baselines = new Map([
      ['t\u0000chat', chat],
      ['t\u0000search', search],
    ])
    const medians = new Map([
      ['t\u0000chat\u00002.0', 900],
      ['t\u0000chat\u00002.1', 3600],
      ['t\u0000search\u00002.0', 410],
      ['t\u0000search\u00002.1', 590],
      ['u\u0000chat\u00002.1', 9000],
    ])
    expect([...featuresWithMovedVersions(baselines, medians)]).toEqual(['t\u0000chat'])
    // Wherever the set leaves a feature out, movedVersionMedian finds nothing whatever versions an install used.
    expect(movedVersionMedian(search, medians, 't', 'search', ['2.0', '2.1'])).toBeUndefined()
  })

  it('an install recruited mid-window is elevated by its recent minutes, which its honest ones diluted', () => {
    // 20 honest requests, then 12 at 2x in the last 5 minutes: the window mean is 1.3x, the suffix 2x.
    const recruited: ShiftRow = { ...win('m', 1, 32), dev: 12 * Math.log(2), suffixes: [{ n: 12, dev: 12 * Math.log(2) }] }
    expect(moderateEvidence({ ...recruited, suffixes: [] }, chat, undefined).elevation_z).toBe(0)
    const e = moderateEvidence(recruited, chat, undefined)
    // z over the suffix (12 · ln 2 / (0.6 √12) = 4.0) less the penalty for looking more than once.
    expect(e.elevation_z).toBeCloseTo((12 * Math.log(2)) / (0.6 * Math.sqrt(12)) - 0.5, 5)
    // A suffix under 1.5x does not count, however many requests it holds.
    expect(moderateEvidence({ ...recruited, suffixes: [{ n: 200, dev: 200 * Math.log(1.3) }] }, chat, undefined).elevation_z).toBe(0)
  })

  it('once the group stands, slower members past the lowest threshold are named too', () => {
    const clear = Array.from({ length: 12 }, (_, i) => moderateEvidence(win(`c${i}`, 2, 40), chat, undefined))
    const slow = Array.from({ length: 8 }, (_, i) => moderateEvidence(win(`s${i}`, 2, 9), chat, undefined))
    expect(slow.every((e) => e.elevation_z >= 3 && e.elevation_z < 4)).toBe(true)
    const [g] = moderateGroups([...clear, ...slow], installs(600), S.zAlert)
    expect(g.members).toHaveLength(20)
  })

  it('the strong and moderate findings of one feature are one finding, with the members of both', () => {
    const a = moderateGroups(
      Array.from({ length: 20 }, (_, i) => moderateEvidence(win(`a${i}`, 2), chat, undefined)),
      installs(600),
      S.zAlert,
    )[0]
    const b = { ...a, score: a.score + 1, members: [...a.members.slice(0, 5), moderateEvidence(win('x', 3), chat, undefined)] }
    const [m] = mergeGroups([b], [a])
    expect(m.score).toBe(b.score)
    expect(m.members.map((e) => e.install_id).sort()).toEqual([...a.members.map((e) => e.install_id), 'x'].sort())
  })
})
