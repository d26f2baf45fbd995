import { describe, expect, it } from 'vitest'
import { scoreGroups, type FarmInstall } from '../../lib/detection/farm-clusters'
import { NEW_NETWORK_MIN_INSTALLS } from '../../lib/detection/farm-new-network'
import { POOL_MIN_PER_NETWORK, pooledNetworkGroups } from '../../lib/detection/farm-new-network-pool'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { newnessTenant } from '../helpers/farm-install'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

/** The tenant's installs (established unless `fresh`), 1,500 established and 60 ordinary new ones of the hour. */
const { install, established, churn } = newnessTenant(windowStart, now)
/** `n` new installs on `asn` (in `country`), distinct phones, each on one of the network's /24s. */
const onNetwork = (from: number, n: number, asn: number, country = 'US') =>
  Array.from({ length: n }, (_, i) => install(from + i, { fresh: true, asn, country, ip_prefix: `${100 + (asn % 50)}.${asn % 200}.${i % 4}.0/24` }))
const farmAlerts = (all: FarmInstall[]) => scoreGroups(all, windowStart, S.farmMinSize, S.zAlert).filter((g) => g.z >= S.zAlert)

describe('farm signal: new installs pooled over networks the tenant users do not use', () => {
  // 40 members over 3 hosting providers of 3 countries: 14, 13 and 13, each under the one-network minimum.
  const farm = [...onNetwork(20_000, 14, 31898, 'US'), ...onNetwork(21_000, 13, 12876, 'FR'), ...onNetwork(22_000, 13, 45102, 'SG')]

  it('pools a farm split over three hosting providers into one group of its members, and raises it', () => {
    expect(Math.max(14, 13)).toBeLessThan(NEW_NETWORK_MIN_INSTALLS)
    const pooled = pooledNetworkGroups([...established, ...churn, ...farm], windowStart, S.farmMinSize, windowStart, S.zAlert / 2)
    expect(pooled.map((g) => g.value)).toEqual(['AS12876 + AS31898 + AS45102'])
    expect(pooled[0].members.map((m) => m.install_id).sort()).toEqual(farm.map((m) => m.install_id).sort())
    const alerts = farmAlerts([...established, ...churn, ...farm])
    expect(alerts.length).toBeGreaterThan(0)
    expect(alerts.every((g) => g.members.every((m) => [31898, 12876, 45102].includes(m.asn)))).toBe(true)
    expect(alerts[0].signals.new_network).toBeGreaterThanOrEqual(S.zAlert)
  })

  it('does not pool a long tail of small ISPs that each bring one or a few new installs', () => {
    const tail = Array.from({ length: 120 }, (_, i) => install(30_000 + i, { fresh: true, asn: 60_000 + (i % 40), ip_prefix: `88.${i}.0.0/24` }))
    const fewEach = [0, 1, 2, 3].flatMap((k) => onNetwork(31_000 + 100 * k, POOL_MIN_PER_NETWORK - 1, 64_500 + k))
    const all = [...established, ...churn, ...tail, ...fewEach]
    expect(pooledNetworkGroups(all, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    expect(farmAlerts(all)).toEqual([])
  })

  it('leaves a small pool alone (two providers of 8: under the minimum together)', () => {
    const small = [...onNetwork(40_000, 8, 31898), ...onNetwork(41_000, 8, 12876, 'FR')]
    expect(pooledNetworkGroups([...established, ...churn, ...small], windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
  })

  it('does not pool the carriers of countries arriving, even when each country is small', () => {
    // Two launches of a few hundred downloads' first hour: JP and KR, 3 carriers each, 6-7 new installs on each.
    const launches = [
      ...onNetwork(50_000, 7, 2516, 'JP'),
      ...onNetwork(50_100, 6, 4713, 'JP'),
      ...onNetwork(50_200, 6, 17676, 'JP'),
      ...onNetwork(51_000, 7, 4766, 'KR'),
      ...onNetwork(51_100, 6, 9318, 'KR'),
      ...onNetwork(51_200, 6, 17858, 'KR'),
    ]
    expect(pooledNetworkGroups([...established, ...churn, ...launches], windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    expect(farmAlerts([...established, ...churn, ...launches])).toEqual([])
  })

  it("still pools a farm's providers, one per country, beside a country arriving on two carriers", () => {
    const launch = [...onNetwork(50_000, 12, 2516, 'JP'), ...onNetwork(50_100, 12, 4713, 'JP')]
    const pooled = pooledNetworkGroups([...established, ...churn, ...launch, ...farm], windowStart, S.farmMinSize, windowStart, S.zAlert / 2)
    expect(pooled.map((g) => g.value)).toEqual(['AS12876 + AS31898 + AS45102'])
  })
})
