import { describe, expect, it } from 'vitest'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { newNetworkGroups } from '../../lib/detection/farm-new-network'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { CARRIERS, farmInstall, wakeTenant } from '../helpers/farm-install'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN
const burstStart = now - 15 * MIN

/** The tenant's 600 installs, its own wake rate among them (tests/helpers/farm-install.ts). */
const tenant: FarmInstall[] = wakeTenant(windowStart, now)

/**
 * Red team round 4's aged farm, spread: 60 installs registered over the last days, each a different real phone (the
 * helper's 222 builds) on its own /24 of one hosting ASN, all woken in the last 3 minutes; passing, Poisson timing.
 */
function spreadFarm(o: { woken: boolean; asn?: number; burstRequests?: number }): FarmInstall[] {
  return Array.from({ length: 60 }, (_, i) =>
    farmInstall(5_000 + i, {
      first_seen: windowStart - (1 + ((i * 11) % 70)) * 60 * MIN,
      last_seen: now - MIN,
      app_version: '3.1.0',
      ip_prefix: `161.97.${10 + i}.0/24`,
      asn: o.asn ?? 51167,
      country: o.asn === undefined ? 'DE' : 'US',
      first_active: o.woken ? now - (1 + (i % 3)) * MIN : windowStart + (i % 5) * MIN,
      burst_requests: o.burstRequests ?? 6,
    }),
  )
}

const flagged = (list: FarmInstall[]) => clusterFarms(list, windowStart, S, now).filter((c) => c.severity)
const named = (list: FarmInstall[]) => new Set(flagged(list).flatMap((c) => c.members))

describe('farm signal: installs woken together on a network the tenant users do not use', () => {
  it('groups the woken installs of the host on the burst horizon, and only on it (they are not new)', () => {
    const all = [...tenant, ...spreadFarm({ woken: true })]
    const groups = newNetworkGroups(all, windowStart, S.farmMinSize, burstStart)
    expect(groups.map((g) => g.value)).toEqual(['AS51167'])
    expect(groups[0].members).toHaveLength(60)
    expect(groups[0].z).toBeGreaterThan(S.zAlert)
    // Read from first_seen alone (no burst horizon), the same installs are established: no group.
    expect(newNetworkGroups(all, windowStart, S.farmMinSize)).toEqual([])
  })

  it('names every member of a woken farm of distinct phones ~1 per /24 of one host, and no one else', () => {
    const farm = spreadFarm({ woken: true })
    const clusters = flagged([...tenant, ...farm])
    const members = new Set(clusters.flatMap((c) => c.members))
    expect(farm.filter((i) => members.has(i.install_id)).length).toBe(60)
    expect(tenant.filter((i) => members.has(i.install_id))).toEqual([])
    expect(clusters[0].reasons.join(' ')).toMatch(/became active together after a long silence/)
  })

  it('names nothing when the same installs were active all along, or woke with one call each', () => {
    expect(named([...tenant, ...spreadFarm({ woken: false })]).size).toBe(0)
    expect(named([...tenant, ...spreadFarm({ woken: true, burstRequests: 1 })]).size).toBe(0)
  })

  it('spares a push to lapsed users: 300 of them woken together on the tenant carriers, their own phones', () => {
    const lapsed = Array.from({ length: 300 }, (_, i) =>
      farmInstall(8_000 + i, {
        first_seen: windowStart - 7 * 86_400_000,
        last_seen: now - MIN,
        app_version: '3.0.2',
        first_active: now - (1 + (i % 10)) * MIN,
        burst_requests: 3 + (i % 5),
      }),
    )
    expect(newNetworkGroups([...tenant, ...lapsed], windowStart, S.farmMinSize, burstStart)).toEqual([])
    expect(named([...tenant, ...lapsed]).size).toBe(0)
  })

  it('spares lapsed users of one country woken on its carriers, where the tenant has no active users (the market test reads wakes too)', () => {
    const returning = Array.from({ length: 120 }, (_, i) =>
      farmInstall(9_000 + i, {
        first_seen: windowStart - 7 * 86_400_000,
        last_seen: now - MIN,
        app_version: '3.1.0',
        asn: [2516, 4713, 17676][i % 3],
        country: 'JP',
        first_active: now - (1 + (i % 10)) * MIN,
        burst_requests: 5,
      }),
    )
    expect(named([...tenant, ...returning]).size).toBe(0)
  })

  it('blind spot: the same farm on residential proxies of the tenant carriers is not found', () => {
    expect(named([...tenant, ...spreadFarm({ woken: true, asn: CARRIERS[0] })]).size).toBe(0)
  })
})
