import { describe, expect, it } from 'vitest'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

/** An established install of the tenant: varied phones and networks, 40 active minutes at 2 requests a minute. */
const install = (i: number, o: Partial<FarmInstall> = {}): FarmInstall => ({
  tenant_id: 't',
  install_id: `n${i}`,
  first_seen: windowStart - 86_400_000,
  last_seen: now - MIN,
  app_version: '4.11.0',
  platform: 'android',
  device_model: `M${i % 23}`,
  os_version: `${12 + (i % 3)}`,
  device_fingerprint: `fp${i}`,
  ip_prefix: `10.${i % 250}.${i % 7}.0/24`,
  asn: 7000 + (i % 5),
  country: 'US',
  cost_micros: 1000,
  attest_accepted: 12,
  attest_rejected: 0,
  suspicious_rejections: 0,
  span_minutes: 40,
  req_sum: 80,
  req_sq: 240,
  ...o,
})

describe('farm groups on a broad trait (a device build) over installs that failed attestation', () => {
  // 8 honest phones of one popular build, each with ONE transient hooking_framework rejection among 12 accepted
  // attestations, and a per-minute dispersion of 0.75 (synchronized z ≈ 3.9): the 1,000 ev/s bench's false farm.
  const popular = Array.from({ length: 8 }, (_, k) =>
    install(1000 + k, { device_model: 'SM-A546B', os_version: '14', attest_rejected: 1, suspicious_rejections: 1, req_sq: 160 + 58.5 }),
  )
  const tenant = Array.from({ length: 400 }, (_, i) => install(i))

  it('does not count the one rejection each member was picked for as evidence', () => {
    const flagged = clusterFarms([...tenant, ...popular], windowStart, S).filter((c) => c.score >= 50)
    expect(flagged).toEqual([])
  })

  it('still flags a build whose members keep failing as emulators', () => {
    const farm = Array.from({ length: 8 }, (_, k) =>
      install(2000 + k, { device_model: 'SM-A546B', os_version: '14', attest_accepted: 3, attest_rejected: 6, suspicious_rejections: 6, req_sq: 160 + 58.5 }),
    )
    const flagged = clusterFarms([...tenant, ...farm], windowStart, S).filter((c) => c.score >= 50)
    expect(flagged).toHaveLength(1)
    expect(flagged[0].members.sort()).toEqual(farm.map((f) => f.install_id).sort())
  })
})
