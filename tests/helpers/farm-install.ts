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
