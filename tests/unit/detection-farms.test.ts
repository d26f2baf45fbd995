import { describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { runDetectors } from '../../lib/detection/detect-all'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

const MIN = 60_000
const now = 100 * 60 * MIN
const windowStart = now - S.farmWindowMinutes * MIN

const legit = (tenant: string, i: number): FarmInstall => ({
  tenant_id: tenant,
  install_id: `${tenant}-n${i}`,
  first_seen: windowStart - 86_400_000,
  last_seen: now - MIN,
  app_version: '2.0',
  platform: i % 2 ? 'ios' : 'android',
  device_model: `M${i % 9}`,
  os_version: `${14 + (i % 3)}`,
  device_fingerprint: `${tenant}-fp-${i}`,
  ip_prefix: `10.${i % 200}.${i % 7}.0/24`,
  asn: 7000 + (i % 4),
  country: 'US',
  cost_micros: 1000,
  attest_accepted: 4,
  attest_rejected: 0,
  suspicious_rejections: 0,
  span_minutes: 10,
  req_sum: 20,
  req_sq: (20 * 20) / 10 + 2 * 9,
})

/** Emulated installs that appeared in the window, failing attestation as emulators, firing in lockstep. */
const farmMember = (tenant: string, i: number, o: Partial<FarmInstall> = {}): FarmInstall => ({
  tenant_id: tenant,
  install_id: `${tenant}-f${i}`,
  first_seen: windowStart + (5 + (i % 3)) * MIN,
  last_seen: now - MIN,
  app_version: '2.0',
  platform: 'android',
  device_model: 'EMU',
  os_version: '13',
  device_fingerprint: `${tenant}-image-${i % 2}`,
  ip_prefix: '159.203.7.0/24',
  asn: 14061,
  country: 'US',
  cost_micros: 800,
  attest_accepted: 1,
  attest_rejected: 3,
  suspicious_rejections: 3,
  span_minutes: 12,
  req_sum: 36,
  req_sq: 12 * 9,
  ...o,
})

/** A store whose farm query returns `installs` (as the SQL would: numbers may be strings) and no rejection rows. */
function fakeStore(installs: FarmInstall[]): Store {
  const client = {
    query: async ({ query, format }: { query: string; format?: string }) => ({
      json: async () => {
        const rows: Record<string, unknown>[] = query.includes('install_profile') ? installs.map((i) => ({ ...i, asn: String(i.asn) })) : []
        if (format !== 'JSONColumnsWithMetadata') return rows
        // Large reads come back as columns (lib/detection/query.ts selectColumns).
        const names = Object.keys(rows[0] ?? {})
        return { rows: rows.length, data: Object.fromEntries(names.map((n) => [n, rows.map((r) => r[n])])) }
      },
    }),
  }
  return { client, mode: 'embedded', database: 'fake', cluster: '', location: 'fake', close: async () => {} } as unknown as Store
}

describe('emulator farms reaching the alert layer', () => {
  it('hands every flagged cluster to the alert layer, not the 20 best of all tenants', async () => {
    const tenants = Array.from({ length: 25 }, (_, t) => `tenant${String(t).padStart(2, '0')}`)
    // Farms of different sizes, so the ranking has a bottom that a global cut would drop.
    const installs = tenants.flatMap((t, k) => [
      ...Array.from({ length: 40 }, (_, i) => legit(t, i)),
      ...Array.from({ length: 6 + k }, (_, i) => farmMember(t, i)),
    ])
    const run = await runDetectors(fakeStore(installs), S, now, ['emulator_farms'])
    expect(run.failed).toEqual([])
    const farms = run.findings.filter((f) => f.detector === 'emulator_farms')
    expect(
      farms
        .filter((f) => f.score >= 50)
        .map((f) => f.tenant_id)
        .sort(),
    ).toEqual(tenants)
    expect(new Set(farms.map((f) => f.subject)).size).toBe(farms.length)
  })
})

describe('emulator farm base rates when the rest of the tenant is empty or tiny', () => {
  // A new tenant's QA team: 5 real phones behind one office /24, all first seen
  // in the window, independent timing, one of them once rejected as an emulator.
  const qa = (i: number): FarmInstall => ({
    tenant_id: 'newco',
    install_id: `qa${i}`,
    first_seen: windowStart + (i + 1) * MIN,
    last_seen: now - MIN,
    app_version: '0.9',
    platform: i % 2 ? 'ios' : 'android',
    device_model: `Phone${i}`,
    os_version: '17',
    device_fingerprint: `qa-fp-${i}`,
    ip_prefix: '203.0.113.0/24',
    asn: 64500,
    country: 'US',
    cost_micros: 1000,
    attest_accepted: 3,
    attest_rejected: i === 0 ? 1 : 0,
    suspicious_rejections: i === 0 ? 1 : 0,
    span_minutes: 20,
    req_sum: 40,
    req_sq: (40 * 40) / 20 + 2 * 19,
  })

  it('does not alert on a new tenant whose whole population is one office of test phones', () => {
    const qaOnly = Array.from({ length: 5 }, (_, i) => qa(i))
    expect(clusterFarms(qaOnly, windowStart, S).filter((c) => c.score >= 25)).toEqual([])
    // A couple of older installs elsewhere are no population to measure a rate against either.
    const withFew = [...qaOnly, legit('newco', 1), legit('newco', 2)]
    expect(clusterFarms(withFew, windowStart, S).filter((c) => c.score >= 25)).toEqual([])
  })

  it('still alerts on a real farm in a new tenant: many new installs, many emulator rejections', () => {
    const farm = Array.from({ length: 30 }, (_, i) => farmMember('newco', i))
    const clusters = clusterFarms([...farm, ...Array.from({ length: 5 }, (_, i) => qa(i))], windowStart, S)
    const flagged = clusters.filter((c) => c.severity)
    expect(flagged).toHaveLength(1)
    expect(flagged[0].severity).toBe('critical')
    expect(flagged[0].members.every((m) => m.startsWith('newco-f'))).toBe(true)
  })

  it('leaves an established tenant unchanged: a farm is critical and its legitimate installs are not named', () => {
    const installs = [...Array.from({ length: 600 }, (_, i) => legit('big', i)), ...Array.from({ length: 8 }, (_, i) => farmMember('big', i))]
    const flagged = clusterFarms(installs, windowStart, S).filter((c) => c.severity)
    expect(flagged.map((c) => c.severity)).toEqual(['critical'])
    expect(flagged[0].members.filter((m) => !m.startsWith('big-f'))).toEqual([])
  })
})

describe('new installs judged over the last minutes as well as the farm window', () => {
  // The store holds 40 minutes of history, less than the 60-minute window: every install is "new" to the window.
  const shortHistory = (i: number): FarmInstall => ({ ...legit('young', i), first_seen: now - 40 * MIN })
  // A farm that passes attestation, brought up in the last 3 minutes: too young for lockstep timing.
  const fresh = (i: number): FarmInstall =>
    farmMember('young', i, {
      first_seen: now - (1 + (i % 3)) * MIN,
      attest_accepted: 1,
      attest_rejected: 0,
      suspicious_rejections: 0,
      span_minutes: 2,
      req_sum: 4,
      req_sq: 8,
    })

  it('names a young farm sharing images at once, where the window alone is blind', () => {
    const installs = [...Array.from({ length: 600 }, (_, i) => shortHistory(i)), ...Array.from({ length: 12 }, (_, i) => fresh(i))]
    expect(clusterFarms(installs, windowStart, S).filter((c) => c.severity)).toEqual([])
    const flagged = clusterFarms(installs, windowStart, S, now).filter((c) => c.severity)
    // Two images on one /24: one cluster.
    expect(flagged).toHaveLength(1)
    expect(flagged[0].members).toEqual(Array.from({ length: 12 }, (_, i) => `young-f${i}`).sort())
  })

  it('does not flag a burst of honest new installs behind one network (diverse phones, own fingerprints)', () => {
    const enrolled = Array.from({ length: 40 }, (_, i) => ({
      ...fresh(i + 100),
      device_fingerprint: `enrolled-${i}`,
      device_model: `Phone${i % 11}`,
      os_version: `${15 + (i % 3)}`,
      req_sq: 4 * 4,
    }))
    const installs = [...Array.from({ length: 600 }, (_, i) => shortHistory(i)), ...enrolled]
    expect(clusterFarms(installs, windowStart, S, now).filter((c) => c.score >= 25)).toEqual([])
  })
})
