import { describe, expect, it } from 'vitest'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import type { InstallMinutes } from '../../lib/detection/bombing-minutes'
import { shiftRowsFromMinutes, type ShiftFilter } from '../../lib/detection/bombing-shift'

/** The definition the fast path must match: every suffix summed forward, minute by minute, for every install. */
function reference(series: InstallMinutes[], baselines: Map<string, ContextBaseline>, f: ShiftFilter) {
  const passes = (c: number, d: number, z: number, sigma: number) => c >= 3 && d >= f.minShift * c && d >= z * sigma * Math.sqrt(c)
  const out = []
  for (const m of series) {
    const b = baselines.get(`${m.tenant_id}\u0000${m.feature}`)
    if (!b) continue
    const half = (b.sigma * b.sigma) / 2
    let n = 0
    let dev = 0
    let prompt = 0
    const sn = f.suffixes.map(() => 0)
    const sdev = f.suffixes.map(() => 0)
    for (let i = 0; i < m.minutes.length; i++) {
      const k = m.requests[i]
      const p = m.prompt[i]
      if (k <= 0 || p <= 0) continue
      const d = k * (Math.log(p / k) - half * (1 - 1 / k) - b.mu)
      n += k
      dev += d
      prompt += p
      for (let j = 0; j < f.suffixes.length && m.minutes[i] * 60 >= f.suffixes[j]; j++) {
        sn[j] += k
        sdev[j] += d
      }
    }
    if (n === 0) continue
    if (!passes(n, dev, f.minZ, b.sigma) && !sn.some((c, j) => passes(c, sdev[j], f.minZ + f.penalty, b.sigma))) continue
    out.push({ install_id: m.install_id, n, dev, prompt, sn, sdev })
  }
  return out.sort((a, b) => (a.install_id < b.install_id ? -1 : 1))
}

describe('moderate window shifts from kept minutes', () => {
  it('keep exactly the installs and sums of the suffix-by-suffix definition, near the line and out of order too', () => {
    let seed = 11
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const b: ContextBaseline = { mu: Math.log(800), sigma: 0.7, requests: 9000, median: 800, source: 'feature' }
    const baselines = new Map([['t\u0000chat', b]])
    const now = 1_800_000_000
    const f: ShiftFilter = { minShift: Math.log(2), minZ: 2.5, penalty: 0.5, suffixes: Array.from({ length: 19 }, (_, j) => now - (20 - j) * 60) }
    const series: InstallMinutes[] = []
    for (let i = 0; i < 3000; i++) {
      // Sizes from the feature's to 4x it, starting anywhere in the window: many installs sit near the line.
      const ratio = 1 + 3 * rnd() * rnd()
      const start = Math.floor(rnd() * 30)
      const m: InstallMinutes = { tenant_id: 't', feature: 'chat', install_id: `i${String(i).padStart(5, '0')}`, minutes: [], requests: [], prompt: [] }
      for (let t = start; t < 30; t++) {
        if (rnd() < 0.3) continue
        const k = 1 + Math.floor(rnd() * 3)
        m.minutes.push(Math.floor(now / 60) - 30 + t)
        m.requests.push(rnd() < 0.05 ? 0 : k)
        m.prompt.push(Math.round(k * 800 * ratio * Math.exp(0.5 * (rnd() - 0.5))))
      }
      // A few series out of minute order (a late minute): the definition does not depend on the order.
      if (i % 50 === 0) {
        m.minutes.reverse()
        m.requests.reverse()
        m.prompt.reverse()
      }
      series.push(m)
    }
    const want = reference(series, baselines, f)
    const got = shiftRowsFromMinutes(series, baselines, f).map(({ install_id, n, dev, prompt, sn, sdev }) => ({ install_id, n, dev, prompt, sn, sdev }))
    expect(want.length).toBeGreaterThan(100)
    expect(want.length).toBeLessThan(2900)
    expect(got).toEqual(want)
  })
})
