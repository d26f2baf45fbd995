import { describe, expect, it } from 'vitest'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import { scoreGroups, type FarmInstall } from '../../lib/detection/farm-clusters'
import { NEW_DEVICE_BUILD, NEW_OLD_APP_VERSION, compareAppVersions } from '../../lib/detection/farm-new-build'
import { NEW_NETWORK_MIN_INSTALLS, NEW_NETWORK_SURGE, newnessGroups } from '../../lib/detection/farm-new-network'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { farmInstall } from '../helpers/farm-install'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

/**
 * An install of the tenant: established (first seen days ago) unless `fresh`; one of 222 phone builds (37 models x
 * 2 platforms x 3 OS releases), on the tenant's carriers, its own /24; Android on 3.1.0 (a tenth still on 3.0.2),
 * iOS on 3.1.1; Poisson-like timing.
 */
function install(i: number, o: Partial<FarmInstall> & { fresh?: boolean } = {}): FarmInstall {
  const { fresh, ...rest } = o
  const platform = i % 2 ? 'ios' : 'android'
  return farmInstall(i, {
    first_seen: fresh ? windowStart + (10 + ((i * 7) % 45)) * MIN : windowStart - 86_400_000,
    last_seen: now - MIN,
    app_version: platform === 'ios' ? '3.1.1' : i % 10 === 0 ? '3.0.2' : '3.1.0',
    ...rest,
  })
}

const established = Array.from({ length: 1500 }, (_, i) => install(i))
/** Ordinary new installs of the hour, in the usual mix. */
const churn = Array.from({ length: 60 }, (_, i) => install(10_000 + i, { fresh: true }))
/** 40 new installs on residential /24s of the tenant's carriers, all claiming the build of install 5 (M5, iOS 16), which ~7 established installs run. */
const spoofed = Array.from({ length: 40 }, (_, i) =>
  install(20_000 + i, { fresh: true, device_model: 'M5', platform: 'ios', os_version: '16', app_version: '3.1.1' }),
)
/** 30 new Android installs on app 2.7.0, an old build no established install runs, diverse phones and networks. */
const sideLoaded = Array.from({ length: 30 }, (_, i) => install(30_000 + 2 * i, { fresh: true, app_version: '2.7.0' }))

const named = (list: FarmInstall[]) =>
  clusterFarms(list, windowStart, S)
    .filter((c) => c.severity)
    .flatMap((c) => c.members)

describe('app versions in semver order', () => {
  it('compares numeric parts as numbers, pre-releases before their release, build metadata ignored', () => {
    expect(compareAppVersions('4.9.0', '4.12.1')).toBeLessThan(0)
    expect(compareAppVersions('4.13.0', '4.12.10')).toBeGreaterThan(0)
    expect(compareAppVersions('10.0', '9.9.9')).toBeGreaterThan(0)
    expect(compareAppVersions('5.0.0-beta.2', '5.0.0')).toBeLessThan(0)
    expect(compareAppVersions('5.0.0-beta.2', '5.0.0-beta.10')).toBeLessThan(0)
    expect(compareAppVersions('5.0.0-beta', '4.99.0')).toBeGreaterThan(0)
    expect(compareAppVersions('3.1', '3.1.0')).toBe(0)
    expect(compareAppVersions('v3.1.0+417', '3.1.0+9')).toBe(0)
  })
})

describe('farm signal: new installs concentrated on a device build or an old app version', () => {
  it('names a spoofed phone build on the tenant own carriers and a side-loaded old app build', () => {
    const all = [...established, ...churn, ...spoofed, ...sideLoaded]
    const builds = newnessGroups(all, NEW_DEVICE_BUILD, windowStart, S.farmMinSize)
    expect(builds.map((g) => g.value)).toEqual(['M5 ios 16'])
    expect(builds[0].members.map((m) => m.install_id).sort()).toEqual(spoofed.map((m) => m.install_id).sort())
    const versions = newnessGroups(all, NEW_OLD_APP_VERSION, windowStart, S.farmMinSize)
    expect(versions.map((g) => g.value)).toEqual(['android v2.7.0'])
    const scored = scoreGroups(all, windowStart, S.farmMinSize, S.zAlert)
    for (const value of ['M5 ios 16', 'android v2.7.0']) {
      const g = scored.find((x) => x.value === value)!
      expect(g.signals.new_build).toBeGreaterThan(S.zAlert)
      expect(g.z).toBeGreaterThanOrEqual(S.zAlert)
    }
    expect(new Set(named(all))).toEqual(new Set([...spoofed, ...sideLoaded].map((m) => m.install_id)))
    // What on-call reads: which build the new installs crowd onto.
    const reasons = clusterFarms(all, windowStart, S).flatMap((c) => c.reasons)
    expect(reasons.some((r) => r.startsWith("new installs crowd onto app build android v2.7.0, older than the tenant's current one"))).toBe(true)
    expect(reasons.some((r) => r.startsWith('new installs crowd onto device build M5 ios 16 '))).toBe(true)
  })

  it('judges the surge: a build at most NEW_NETWORK_SURGE times its established share is not named', () => {
    // M5 iOS 16 is ~7 of 1,500 established; its new installs at 7x that share are ordinary growth, at 30x a farm.
    const share = 7 / 1500
    const onBuild = (n: number) =>
      Array.from({ length: n }, (_, i) => install(40_000 + i, { fresh: true, device_model: 'M5', platform: 'ios', os_version: '16', app_version: '3.1.1' }))
    // The rest of the 3,000 new installs in the usual mix, minus that build (ids 49,950 + k: k mod 222 is the build, 5 is M5 iOS 16).
    const grown = Math.round(7 * share * 3000)
    const usual = Array.from({ length: 3000 - grown }, (_, i) => install(49_950 + 222 * Math.floor(i / 221) + 6 + (i % 221), { fresh: true }))
    expect(grown).toBeLessThan(NEW_NETWORK_SURGE * share * 3000)
    expect(newnessGroups([...established, ...usual, ...onBuild(grown)], NEW_DEVICE_BUILD, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    const surged = Math.round(30 * share * 3000)
    const groups = newnessGroups([...established, ...usual, ...onBuild(surged)], NEW_DEVICE_BUILD, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)
    expect(groups.map((g) => g.value)).toEqual(['M5 ios 16'])
  })

  it('spares a TV ad (2,000 new installs in the usual mix), a release (new installs on a newer version) and a launch day under the minimum', () => {
    const tvAd = Array.from({ length: 2000 }, (_, i) => install(100_000 + i, { fresh: true }))
    // A release: 200 new Android installs on 3.2.0, which no established install runs yet; newer, so not side-loaded.
    const release = Array.from({ length: 200 }, (_, i) => install(200_000 + 2 * i, { fresh: true, app_version: '3.2.0' }))
    // A new phone model's first buyers: a model no established install has, under the minimum count.
    const launch = Array.from({ length: NEW_NETWORK_MIN_INSTALLS - 1 }, (_, i) =>
      install(300_000 + 2 * i, { fresh: true, device_model: 'Pixel 11', os_version: '17' }),
    )
    const all = [...established, ...churn, ...tvAd, ...release, ...launch]
    expect(newnessGroups(all, NEW_DEVICE_BUILD, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    expect(newnessGroups(all, NEW_OLD_APP_VERSION, windowStart, S.farmMinSize)).toEqual([])
    expect(named(all)).toEqual([])
    // The same 200 installs on a version older than the established ones' are a side-loaded build.
    const old = release.map((m) => ({ ...m, app_version: '2.9.9' }))
    expect(newnessGroups([...established, ...churn, ...tvAd, ...old], NEW_OLD_APP_VERSION, windowStart, S.farmMinSize).map((g) => g.value)).toEqual([
      'android v2.9.9',
    ])
  })

  it('a release whose SDK stopped sending the device model (the contract default, unknown) is no device build', () => {
    const unreported = Array.from({ length: 200 }, (_, i) => install(400_000 + i, { fresh: true, device_model: 'unknown', os_version: 'unknown' }))
    const all = [...established, ...churn, ...unreported]
    expect(newnessGroups(all, NEW_DEVICE_BUILD, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    // Models reported, the OS release not: still no build.
    const noOs = Array.from({ length: 200 }, (_, i) => install(500_000 + i, { fresh: true, os_version: 'unknown' }))
    expect(newnessGroups([...established, ...churn, ...noOs], NEW_DEVICE_BUILD, windowStart, S.farmMinSize, windowStart, S.zAlert / 2)).toEqual([])
    // The same installs reporting one real model nobody runs are a device build (the test can fail).
    const oneModel = unreported.map((m) => ({ ...m, device_model: 'X1', os_version: '9' }))
    expect(newnessGroups([...established, ...churn, ...oneModel], NEW_DEVICE_BUILD, windowStart, S.farmMinSize).length).toBeGreaterThan(0)
  })

  it('leaves an old build on new installs behind one /24 (a QA lab) to the /24 trait, and a tenant with no established installs alone', () => {
    const lab = sideLoaded.map((m) => ({ ...m, ip_prefix: '198.51.7.0/24' }))
    expect(newnessGroups([...established, ...churn, ...lab], NEW_OLD_APP_VERSION, windowStart, S.farmMinSize)).toEqual([])
    expect(newnessGroups([...churn, ...sideLoaded], NEW_OLD_APP_VERSION, windowStart, S.farmMinSize)).toEqual([])
  })
})
