import { UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import type { FarmInstall } from './farm-clusters'
import { withoutMarketArrivals } from './farm-market-arrival'
import { pooledNetworkGroups } from './farm-new-network-pool'
import { busyNewGroups } from './farm-busy-new'
import { coWakeGroups } from './farm-co-wake'
import { NEW_NETWORK, newnessGroups, type NewnessGroup, type NewnessTrait } from './farm-new-network'

/** A device field the phone reported: not empty, not the contract's default for "not known". */
const isReported = (value: string, field: 'device_model' | 'os_version') => value !== '' && value !== UNKNOWN_INSTALL_CONTEXT[field]
/**
 * New installs concentrated on a build the tenant's established installs
 * hardly run (signal `new_build`), scored as `new_network` scores an ASN
 * (farm-new-network.ts: the value's share of the window's new installs
 * against NEW_NETWORK_SURGE times its share of the established ones, at least
 * NEW_NETWORK_MIN_INSTALLS new installs, not behind one /24). A farm that
 * passes attestation, calls at human rates and hides on residential proxies of
 * the tenant's own carriers still runs something: one spoofed phone build for
 * all its members, or one repackaged app build (red team round 3: 40 members
 * on one build that 8 of 535 established installs run; 30 members on app
 * 4.9.0, which none runs).
 *
 * Device build (model + platform + OS, without the app version, so a release
 * does not split it): a TV ad, a marketing push or a release burst bring new
 * installs in the tenant's usual mix of phones, each build near its usual
 * share. Blind spot / false-alarm risk: a phone model's launch day, when new
 * installs arrive on a model no established install runs yet. It is bounded
 * by the minimum count (a few launch-day buyers of a small tenant stay under
 * it) and the 10x surge, and raised only when the model's new installs are also
 * a burst against the tenant's rate of new installs (the second signal); a
 * big tenant on a big launch day will see one alert per new model, named by
 * that model.
 *
 * App version (per platform: iOS and Android builds are numbered and released
 * on their own): only a version OLDER than the newest one the platform's
 * established installs run is judged. A store serves new installs its current
 * release, so an old build on many new installs was side-loaded (a
 * repackaged copy, with its checks patched out). A release day's version is
 * newer than anything established installs run, so it is never a candidate,
 * and during a staged rollout the previous version keeps most of the
 * established installs, far from a 10x surge.
 */
export const NEW_DEVICE_BUILD: NewnessTrait = {
  trait: 'device',
  signal: 'new_build',
  // A phone that does not say what it is (the contract's default) is no build: a release whose SDK stopped sending the
  // model or the OS release would otherwise crowd every new install onto builds nobody established runs.
  key: (i) => (isReported(i.device_model, 'device_model') && isReported(i.os_version, 'os_version') ? `${i.device_model} ${i.platform} ${i.os_version}` : null),
}

export const NEW_OLD_APP_VERSION: NewnessTrait = {
  trait: 'app_version',
  signal: 'new_build',
  key: (i) => (i.app_version ? `${i.platform} v${i.app_version}` : null),
  candidates: (established) => {
    // Each distinct (platform, version) compared once, in order of first appearance: the same newest as comparing
    // every install (the first of the newest versions wins a tie either way), without parsing ≈ 20,000 version
    // strings twice a run at 5,000 ev/s (≈ 80 ms of CPU; a tenant runs a handful of versions).
    const distinct = new Map<string, Set<string>>()
    for (const i of established) if (i.app_version) (distinct.get(i.platform) ?? distinct.set(i.platform, new Set()).get(i.platform)!).add(i.app_version)
    const newest = new Map<string, string>()
    for (const [platform, versions] of distinct)
      for (const v of versions) {
        const had = newest.get(platform)
        if (had === undefined || compareAppVersions(v, had) > 0) newest.set(platform, v)
      }
    return (members) => {
      const top = newest.get(members[0].platform)
      return top !== undefined && compareAppVersions(members[0].app_version, top) < 0
    }
  },
}

/** Every trait new installs are judged on: network, device build, old app version (and when they come back: farm-co-wake.ts). */
export const NEWNESS_TRAITS = [NEW_NETWORK, NEW_DEVICE_BUILD, NEW_OLD_APP_VERSION]

/**
 * The newness groups of one tenant's installs over every trait, strongest first; networks of a country arriving are
 * no farm's; networks too small to judge alone are also judged pooled (farm-new-network-pool.ts).
 */
export function newnessGroupsAllTraits(list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0): NewnessGroup[] {
  return NEWNESS_TRAITS.flatMap((t) => {
    const groups = newnessGroups(list, t, windowStart, minSize, burstStart, zMin)
    if (t !== NEW_NETWORK) return groups
    return [
      ...withoutMarketArrivals(groups, list, windowStart, minSize, burstStart, zMin),
      ...pooledNetworkGroups(list, windowStart, minSize, burstStart, zMin),
      ...busyNewGroups(list, windowStart, minSize, burstStart, zMin),
      ...coWakeGroups(list, windowStart, minSize, zMin),
    ]
  }).sort((a, b) => b.z - a.z)
}

/**
 * Semver-aware order of two app versions: dot-separated numeric parts compared
 * as numbers (4.9.0 < 4.12.1; a missing part is 0), a pre-release older than
 * its release (5.0.0-beta.2 < 5.0.0), build metadata (+...) ignored. Parts
 * that are not numbers compare as text, so any version string has an order.
 */
export function compareAppVersions(a: string, b: string): number {
  const [coreA, preA] = splitVersion(a)
  const [coreB, preB] = splitVersion(b)
  const byCore = compareParts(coreA, coreB)
  if (byCore !== 0) return byCore
  if (preA === null || preB === null) return preA === preB ? 0 : preA === null ? 1 : -1
  return compareParts(preA, preB)
}

function splitVersion(v: string): [string[], string[] | null] {
  const noBuild = v.trim().replace(/^v/i, '').split('+')[0]
  const dash = noBuild.indexOf('-')
  const core = (dash < 0 ? noBuild : noBuild.slice(0, dash)).split('.')
  return [core, dash < 0 ? null : noBuild.slice(dash + 1).split('.')]
}

function compareParts(a: string[], b: string[]): number {
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const x = a[k] ?? '0'
    const y = b[k] ?? '0'
    const nx = /^\d+$/.test(x) ? Number(x) : NaN
    const ny = /^\d+$/.test(y) ? Number(y) : NaN
    // Numbers before text (semver: numeric identifiers have lower precedence), text in code-point order.
    const d = !isNaN(nx) && !isNaN(ny) ? nx - ny : !isNaN(nx) ? -1 : !isNaN(ny) ? 1 : x < y ? -1 : x > y ? 1 : 0
    if (d !== 0) return Math.sign(d)
  }
  return 0
}
