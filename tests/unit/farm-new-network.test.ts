import { describe, expect, it } from 'vitest'
import { scoreGroups, type FarmInstall } from '../../lib/detection/farm-clusters'
import { NEW_NETWORK_MIN_INSTALLS, newNetworkGroups } from '../../lib/detection/farm-new-network'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { CARRIERS, newnessTenant } from '../helpers/farm-install'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

/** The tenant's installs (established unless `fresh`), 1,500 established and 60 ordinary new ones of the hour. */
const { install, established, churn } = newnessTenant(windowStart, now)
/** 40 distinct phones over 30 /24s of one cloud ASN the tenant's users do not use, passing attestation. */
const cloudFarm = Array.from({ length: 40 }, (_, i) => install(20_000 + i, { fresh: true, asn: 396982, ip_prefix: `34.${100 + (i % 30)}.${i % 5}.0/24` }))

describe('farm signal: new installs from a network the tenant users do not use', () => {
  it('groups a farm of distinct phones spread over the /24s of a cloud ASN and raises it', () => {
    const groups = newNetworkGroups([...established, ...churn, ...cloudFarm], windowStart, S.farmMinSize)
    expect(groups.map((g) => g.value)).toEqual(['AS396982'])
    expect(groups[0].members).toHaveLength(40)
    const scored = scoreGroups([...established, ...churn, ...cloudFarm], windowStart, S.farmMinSize, S.zAlert)
    const farm = scored.find((g) => g.value === 'AS396982')!
    expect(farm.signals.new_network).toBeGreaterThan(S.zAlert)
    expect(farm.z).toBeGreaterThanOrEqual(S.zAlert)
    expect(scored.every((g) => g.members.every((m) => m.asn === 396982))).toBe(true)
  })

  it('leaves a corporate NAT (new installs behind one /24), a marketing push on the usual carriers and a small trickle alone', () => {
    const nat = Array.from({ length: 80 }, (_, i) => install(30_000 + i, { fresh: true, asn: 3356, ip_prefix: '198.51.7.0/24' }))
    const push = Array.from({ length: 400 }, (_, i) => install(40_000 + i, { fresh: true, asn: CARRIERS[i % 2] }))
    const trickle = Array.from({ length: NEW_NETWORK_MIN_INSTALLS - 1 }, (_, i) =>
      install(50_000 + i, { fresh: true, asn: 64_999, ip_prefix: `77.${i}.1.0/24` }),
    )
    const all = [...established, ...churn, ...nat, ...push, ...trickle]
    expect(newNetworkGroups(all, windowStart, S.farmMinSize)).toEqual([])
    expect(scoreGroups(all, windowStart, S.farmMinSize, S.zAlert).filter((g) => g.z >= S.zAlert)).toEqual([])
  })

  it('does not judge a tenant with no established installs (a new tenant: every install is new)', () => {
    expect(newNetworkGroups(cloudFarm, windowStart, S.farmMinSize)).toEqual([])
  })
})

describe('farm signal: a country arriving on its carriers is a market, not a farm', () => {
  /** New installs of a country none of the tenant's users are in, on `asn`, spread over its /24s. */
  const arrivals = (from: number, n: number, asn: number, country: string) =>
    Array.from({ length: n }, (_, i) => install(from + i, { fresh: true, asn, country, ip_prefix: `${100 + (asn % 50)}.${i % 200}.${i % 3}.0/24` }))
  const newNetworkValues = (all: FarmInstall[]) =>
    scoreGroups(all, windowStart, S.farmMinSize, S.zAlert)
      .filter((g) => g.signals.new_network > 0)
      .map((g) => g.value)
      .sort()

  it('a launch in a new country on two of its carriers raises no network group (it did before: one per carrier)', () => {
    const launch = [...arrivals(60_000, 300, 2516, 'JP'), ...arrivals(61_000, 280, 4713, 'JP')]
    expect(
      newNetworkGroups([...established, ...churn, ...launch], windowStart, S.farmMinSize)
        .map((g) => g.value)
        .sort(),
    ).toEqual(['AS2516', 'AS4713'])
    expect(newNetworkValues([...established, ...churn, ...launch])).toEqual([])
  })

  it('a farm on one provider of a new country stays a network group, beside a launch elsewhere', () => {
    const launch = [...arrivals(60_000, 300, 2516, 'JP'), ...arrivals(61_000, 280, 4713, 'JP')]
    const cloud = arrivals(62_000, 40, 14061, 'DE')
    expect(newNetworkValues([...established, ...churn, ...launch, ...cloud])).toEqual(['AS14061'])
  })

  it('a farm on two providers of a country the tenant already serves stays (that country is not arriving)', () => {
    const farm = [...arrivals(63_000, 40, 16509, 'US'), ...arrivals(64_000, 40, 14061, 'US')]
    expect(newNetworkValues([...established, ...churn, ...farm])).toEqual(['AS14061', 'AS16509'])
  })
})
