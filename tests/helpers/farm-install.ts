import type { FarmInstall } from '../../lib/detection/farm-clusters'

/** The tenant's carriers (US, CA, MX residential and mobile ASNs). */
export const CARRIERS = [7922, 21928, 7018, 6167, 812, 577, 8151, 28403]

/**
 * Install `i` of tenant 't' as the farm detector reads it: one of 222 phone builds (37 models x 2 platforms x 3 OS
 * releases), its own /24 on one of the tenant's carriers, attested, Poisson-like timing (variance ≈ mean, so the
 * pooled dispersion is ~1: no lockstep). `o` sets the rest (first_seen, last_seen, app_version) and any override.
 */
export function farmInstall(i: number, o: Partial<FarmInstall> & Pick<FarmInstall, 'first_seen' | 'last_seen' | 'app_version'>): FarmInstall {
  return {
    tenant_id: 't',
    install_id: `i${i}`,
    platform: i % 2 ? 'ios' : 'android',
    device_model: `M${i % 37}`,
    os_version: `${14 + (i % 3)}`,
    device_fingerprint: `fp-${i}`,
    ip_prefix: `${20 + (i % 80)}.${i % 251}.${i % 7}.0/24`,
    asn: CARRIERS[i % CARRIERS.length],
    country: 'US',
    cost_micros: 1000,
    attest_accepted: 3,
    attest_rejected: 0,
    suspicious_rejections: 0,
    span_minutes: 12,
    req_sum: 24,
    req_sq: (24 * 24) / 12 + 24,
    ...o,
  }
}

/**
 * A tenant of 600 installs first seen days ago on its carriers, each its own phone and /24, most active all along
 * (their burst started early in the window); one in ten light users whose one call of the last minutes followed a
 * silence, and one in twenty-five woken with a session of a few calls (the tenant's own wake rate).
 */
export function wakeTenant(windowStart: number, now: number): FarmInstall[] {
  const MIN = 60_000
  return Array.from({ length: 600 }, (_, i) =>
    farmInstall(i, {
      first_seen: windowStart - 86_400_000,
      last_seen: now - MIN,
      app_version: '3.1.0',
      first_active: i % 10 === 0 || i % 25 === 0 ? now - ((i * 7) % 14) * MIN : windowStart + ((i * 13) % 40) * MIN,
      burst_requests: i % 25 === 0 ? 4 : i % 10 === 0 ? 1 : 20,
    }),
  )
}

/**
 * The newness tests' tenant (farm-new-network*.test.ts): `install(i)` is established (first seen a day before the
 * window) unless `fresh` (first seen in the window), active until the window's last minute; 1,500 established installs
 * and 60 ordinary new ones of the hour on the tenant's carriers.
 */
export function newnessTenant(windowStart: number, now: number) {
  const MIN = 60_000
  const install = (i: number, o: Partial<FarmInstall> & { fresh?: boolean } = {}): FarmInstall => {
    const { fresh, ...rest } = o
    return farmInstall(i, {
      first_seen: fresh ? windowStart + ((i * 7) % 50) * MIN : windowStart - 86_400_000,
      last_seen: now - MIN,
      app_version: '3.1',
      ...rest,
    })
  }
  const established = Array.from({ length: 1500 }, (_, i) => install(i))
  const churn = Array.from({ length: 60 }, (_, i) => install(10_000 + i, { fresh: true }))
  return { install, established, churn }
}
