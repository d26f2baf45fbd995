import { describe, expect, it } from 'vitest'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { WAKE_MIN_REQUESTS, awakeSince } from '../../lib/detection/farm-wake'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { farmInstall, wakeTenant } from '../helpers/farm-install'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

/** The tenant's 600 installs, its own wake rate among them (tests/helpers/farm-install.ts). */
const tenant: FarmInstall[] = wakeTenant(windowStart, now)

/**
 * 60 installs of one phone build on 6 /24s of one hosting ASN, registered one by one over the last days (1-3 calls
 * each, then silent), all woken in the last 3 minutes with a few calls each; Poisson timing, attestation passing.
 */
function agedFarm(o: { woken: boolean; burstRequests?: number; shortHistory?: boolean }): FarmInstall[] {
  return Array.from({ length: 60 }, (_, i) => {
    const firstSeen = o.shortHistory ? windowStart + (5 + ((i * 11) % 30)) * MIN : windowStart - (1 + ((i * 11) % 70)) * 60 * MIN
    return farmInstall(5_000 + i, {
      first_seen: firstSeen,
      last_seen: now - MIN,
      app_version: '3.1.0',
      device_model: 'SM-A515F',
      platform: 'android',
      os_version: '13',
      ip_prefix: `161.97.${10 + (i % 6)}.0/24`,
      asn: 51167,
      country: 'DE',
      first_active: o.woken ? now - (1 + (i % 3)) * MIN : windowStart + (i % 5) * MIN,
      burst_requests: o.burstRequests ?? 6,
    })
  })
}

const flagged = (list: FarmInstall[]) => clusterFarms(list, windowStart, S, now).filter((c) => c.severity)
const named = (list: FarmInstall[]) => new Set(flagged(list).flatMap((c) => c.members))

describe('farm signal: installs that wake together after a silence count as new from their wake', () => {
  it('an install is awake from its burst when the burst started since the horizon and has a few calls', () => {
    const [i] = agedFarm({ woken: true })
    expect(awakeSince(i, now - 15 * MIN)).toBe(true)
    expect(awakeSince({ ...i, burst_requests: WAKE_MIN_REQUESTS - 1 }, now - 15 * MIN)).toBe(false)
    expect(awakeSince({ ...i, first_active: now - 20 * MIN }, now - 15 * MIN)).toBe(false)
    expect(awakeSince({ ...i, first_active: undefined }, now - 15 * MIN)).toBe(false)
  })

  it('names dormant installs of one build on one hosting network that wake in the same minutes', () => {
    const farm = agedFarm({ woken: true })
    const clusters = flagged([...tenant, ...farm])
    const members = new Set(clusters.flatMap((c) => c.members))
    expect(farm.filter((i) => members.has(i.install_id)).length).toBe(60)
    expect(tenant.filter((i) => members.has(i.install_id))).toEqual([])
    expect(clusters[0].reasons.join(' ')).toMatch(/became active together after a long silence/)
  })

  it('names the build on its network, not the honest users of the same phone on their carriers', () => {
    const sameBuild = tenant.slice(0, 40).map((i) => ({ ...i, device_model: 'SM-A515F', platform: 'android', os_version: '13' }))
    const farm = agedFarm({ woken: true })
    const members = named([...sameBuild, ...tenant.slice(40), ...farm])
    expect(farm.filter((i) => members.has(i.install_id)).length).toBe(60)
    expect(sameBuild.filter((i) => members.has(i.install_id))).toEqual([])
  })

  it('names nothing when the same installs were active all along (the wake is what tells), or woke with one call each', () => {
    expect(named([...tenant, ...agedFarm({ woken: false })]).size).toBe(0)
    expect(named([...tenant, ...agedFarm({ woken: true, burstRequests: 1 })]).size).toBe(0)
  })

  it('in a store holding less history than the window (every install new to it), still only when they woke', () => {
    // The first hour after a deployment: the tenant's installs were all first seen in the window too.
    const young = tenant.map((i, k) => ({
      ...i,
      first_seen: windowStart + (k % 40) * MIN,
      first_active: Math.max(i.first_active!, windowStart + (k % 40) * MIN),
    }))
    const woken = agedFarm({ woken: true, shortHistory: true })
    expect([...named([...young, ...woken])].filter((id) => woken.some((i) => i.install_id === id)).length).toBe(60)
    expect(named([...young, ...agedFarm({ woken: false, shortHistory: true })]).size).toBe(0)
  })

  it('spares a push notification waking dormant users over the tenant usual networks and phones', () => {
    const dormant = Array.from({ length: 120 }, (_, i) =>
      farmInstall(8_000 + i, {
        first_seen: windowStart + ((i * 7) % 40) * MIN,
        last_seen: now - MIN,
        app_version: '3.1.0',
        first_active: now - (1 + (i % 3)) * MIN,
        burst_requests: 5,
      }),
    )
    expect(named([...tenant, ...dormant]).size).toBe(0)
  })

  it('spares a school or office whose people, each on their own phone, all come back on its /24 at once', () => {
    const school = tenant.slice(0, 200).map((i) => ({ ...i, ip_prefix: '129.7.44.0/24', first_active: now - 2 * MIN, burst_requests: 5 }))
    expect(named([...school, ...tenant.slice(200)]).size).toBe(0)
  })
})
