import { describe, expect, it } from 'vitest'
import { rateRaw, spreadRateMembers, type SplitInstall, type SplitTimes } from '../../lib/detection/bombing-spread-rate'
import { normalQuantile } from '../../lib/detection/stats'
import { Rng } from '../../lib/simulator/random'

/**
 * A feature of 400 honest installs (Poisson clocks at 0.2–5 requests a minute, ordinary sizes around their own
 * past), 15 minutes after a group's minute g, 105 minutes of past (history + window before g).
 */
const SIGMA = 0.6
const T: SplitTimes = { g: 1_000, past: 105, since: 15, latestStart: 1_003 }

const seeded = new Rng(15)
const rand = () => seeded.next()
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
function poisson(mean: number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()))
  const u = rand()
  let k = 0
  let p = Math.exp(-mean)
  let s = p
  while (u > s && k < 1_000) {
    k++
    p *= mean / k
    s += p
  }
  return k
}

/** An install at `rate` requests a minute before g and `rate × rateRatio` since, its requests `sizeRatio`x its own past. */
function install(id: string, rate: number, rateRatio = 1, sizeRatio = 1): SplitInstall {
  const nPast = poisson(rate * T.past)
  const nSince = poisson(rate * rateRatio * T.since)
  const nPre = Math.round((nPast * 15) / T.past)
  const devSince = nSince * Math.log(sizeRatio) + SIGMA * Math.sqrt(nSince) * gauss()
  return { tenant_id: 't', feature: 'chat', install_id: id, nSince, devSince, nPre, devPre: 0, nHistory: nPast - nPre, firstSince: T.g, prompt: 0, ref: 0 }
}

const honest = Array.from({ length: 400 }, (_, i) => install(`h${i}`, 0.2 + 4.8 * rand() ** 2))

describe('members of a spread group named by request size and rate together', () => {
  it('names a member at 1.3x its size (under the 1.5x bar of the size tests) and 2x its spend (1.54x its rate)', () => {
    const member = { ...install('m', 3.5, 1.54, 1.3), nSince: 81, devSince: 81 * Math.log(1.3), nHistory: 315, nPre: 52 }
    const named = spreadRateMembers([...honest, member], SIGMA, T, new Set(), 0.05)
    expect(named.map((r) => r.install.install_id)).toContain('m')
  })

  it('does not name an honest install whose session began at g (its requests at its usual size), whatever its rate', () => {
    // Almost nothing before g, then 6 requests a minute: the highest rate of the feature by far.
    const starter = { ...install('s', 0.02, 300), nSince: 90, devSince: 0.3 * SIGMA * Math.sqrt(90), nHistory: 2, nPre: 0 }
    expect(rateRaw(starter.nSince, starter.nHistory, T)).toBeGreaterThan(8)
    const named = spreadRateMembers([...honest, starter], SIGMA, T, new Set(), 0.05)
    expect(named.map((r) => r.install.install_id)).not.toContain('s')
    // Its rate is worth one rank among the others: bounded, not its Poisson z.
    const all = spreadRateMembers([...honest, starter], SIGMA, T, new Set(), 1)
    const bound = -normalQuantile(1 / 401)
    for (const r of all) expect(r.zRate).toBeLessThanOrEqual(bound + 1e-9)
  })

  it('names no honest install of 400 at α 0.05, even when a tenth of them started sessions at g', () => {
    const sessions = Array.from({ length: 40 }, (_, i) => install(`s${i}`, 0.3, 3 + 5 * rand()))
    expect(spreadRateMembers([...honest, ...sessions], SIGMA, T, new Set(), 0.05)).toEqual([])
  })

  it('leaves listed members out of the test and of the null', () => {
    const member = { ...install('m', 3.5, 1.54, 1.3), nSince: 81, devSince: 81 * Math.log(1.3), nHistory: 315, nPre: 52 }
    expect(spreadRateMembers([...honest, member], SIGMA, T, new Set(['m']), 0.05)).toEqual([])
  })

  it('does not test an install whose requests were already large before g (no change at g) or that started late', () => {
    const member = { ...install('m', 3.5, 1.54, 1.3), nSince: 81, devSince: 81 * Math.log(1.3), nHistory: 315, nPre: 52 }
    const heavy = { ...member, install_id: 'heavy', devPre: member.nPre * Math.log(1.6) }
    const late = { ...member, install_id: 'late', firstSince: T.latestStart + 1 }
    const named = spreadRateMembers([...honest, heavy, late], SIGMA, T, new Set(), 0.05).map((r) => r.install.install_id)
    expect(named).not.toContain('heavy')
    expect(named).not.toContain('late')
  })
})
