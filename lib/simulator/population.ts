import { populationInstallId } from './install-ids'
import { Rng, clamp, mixSeed, weightedPick } from './random'
import { TENANT_TEMPLATES } from './tenant-templates'

/**
 * The legitimate install base. Everything here is derived from the seed so a
 * detection that fires on seed 42 today fires on seed 42 tomorrow.
 */

export type Platform = 'android' | 'ios'

export interface FeatureSpec {
  name: string
  model: string // must exist in lib/pricing/catalog.ts so the ingest can price it
  weight: number // share of the tenant's calls
}

export interface Tenant {
  id: string
  appId: string
  versions: string[] // oldest first
  versionWeights: number[]
  features: FeatureSpec[]
  countries: [string, number][]
  iosShare: number
}

export interface Install {
  index: number
  id: string
  tenant: Tenant
  appVersion: string
  platform: Platform
  deviceModel: string
  osVersion: string
  fingerprint: string
  ipPrefix: string
  asn: number
  country: string
  tzHours: number
  /** Relative call rate; heavy-tailed so a few power users dominate. */
  activity: number
  /** Attestation tokens last ~5 min; a call after expiry triggers a fresh attestation. */
  tokenExpiresAt: number
  /** A rooted/jailbroken phone fails attestation every time, unlike transient failures. */
  rooted: boolean
}

/** Shares of the install base per tenant, so tenants are not all the same size. */
const TENANT_SIZES = [0.34, 0.26, 0.18, 0.14, 0.08]

/** Residential and mobile carriers per country: [asn, first octets they announce]. */
const CARRIERS: Record<string, { tz: number; asns: [number, number[]][] }> = {
  US: {
    tz: -6,
    asns: [
      [7922, [73, 24, 98]],
      [21928, [172, 174]],
      [7018, [99, 107]],
      [6167, [174, 97]],
    ],
  },
  CA: {
    tz: -5,
    asns: [
      [812, [99, 174]],
      [577, [70, 142]],
    ],
  },
  MX: {
    tz: -6,
    asns: [
      [8151, [187, 189]],
      [28403, [201]],
    ],
  },
  BR: {
    tz: -3,
    asns: [
      [28573, [177, 179]],
      [26599, [189, 191]],
    ],
  },
  GB: {
    tz: 0,
    asns: [
      [2856, [81, 86]],
      [5089, [82, 92]],
      [12576, [2, 5]],
    ],
  },
  FR: {
    tz: 1,
    asns: [
      [3215, [90, 92]],
      [12322, [78, 82]],
    ],
  },
  ES: {
    tz: 1,
    asns: [
      [3352, [80, 83]],
      [12479, [88]],
    ],
  },
  DE: {
    tz: 1,
    asns: [
      [3320, [79, 87, 91]],
      [3209, [88, 94]],
    ],
  },
  NL: {
    tz: 1,
    asns: [
      [1136, [77, 84]],
      [33915, [31, 62]],
    ],
  },
  IN: {
    tz: 5.5,
    asns: [
      [55836, [49, 157]],
      [45609, [106, 122]],
    ],
  },
  JP: {
    tz: 9,
    asns: [
      [2516, [106, 111]],
      [4713, [114, 153]],
    ],
  },
  AU: {
    tz: 10,
    asns: [
      [1221, [101, 120]],
      [4804, [110, 124]],
    ],
  },
}

const ANDROID_DEVICES: [string, number][] = [
  ['SM-S918B', 8],
  ['SM-S911B', 8],
  ['SM-A546B', 10],
  ['SM-A155F', 8],
  ['SM-G991B', 6],
  ['Pixel 8', 7],
  ['Pixel 7a', 6],
  ['Pixel 9 Pro', 4],
  ['Redmi Note 13', 9],
  ['23129RAA4G', 5],
  ['moto g54 5G', 6],
  ['CPH2581', 5],
  ['V2250', 4],
]
const ANDROID_OS: [string, number][] = [
  ['12', 10],
  ['13', 25],
  ['14', 40],
  ['15', 25],
]
const IOS_DEVICES: [string, number][] = [
  ['iPhone13,2', 6],
  ['iPhone14,5', 12],
  ['iPhone14,7', 10],
  ['iPhone15,2', 10],
  ['iPhone15,4', 12],
  ['iPhone16,1', 10],
  ['iPhone16,2', 8],
  ['iPhone17,1', 6],
  ['iPad13,18', 4],
]
const IOS_OS: [string, number][] = [
  ['16.7.10', 8],
  ['17.6.1', 25],
  ['18.1.1', 30],
  ['18.2', 37],
]

export function countryTz(country: string): number {
  return CARRIERS[country]?.tz ?? 0
}

export function tenantsFor(count: number): Tenant[] {
  const n = clamp(Math.round(count), 1, TENANT_TEMPLATES.length)
  return TENANT_TEMPLATES.slice(0, n).map((t) => ({ ...t, versions: [...t.versions], features: t.features.map((f) => ({ ...f })) }))
}

export interface Population {
  tenants: Tenant[]
  installs: Install[]
}

/** A residential /24 for a country; also used by scenarios that need a "normal-looking" network. */
export function residentialNetwork(rng: Rng, country: string): { asn: number; ipPrefix: string } {
  const carriers = (CARRIERS[country] ?? CARRIERS.US).asns
  const [asn, octets] = rng.pick(carriers)
  // Mobile carriers put many subscribers behind a few CGNAT /24s, so legitimate
  // installs share prefixes too and "many installs on one /24" alone is not proof of a farm.
  if (rng.chance(0.35)) return { asn, ipPrefix: `${octets[0]}.${(asn % 200) + 20}.${rng.int(24)}.0/24` }
  return { asn, ipPrefix: `${rng.pick(octets)}.${rng.int(256)}.${rng.int(256)}.0/24` }
}

/** A plausible consumer device for a platform. */
export function consumerDevice(rng: Rng, platform: Platform): { deviceModel: string; osVersion: string } {
  return platform === 'ios'
    ? { deviceModel: weightedPick(rng, IOS_DEVICES), osVersion: weightedPick(rng, IOS_OS) }
    : { deviceModel: weightedPick(rng, ANDROID_DEVICES), osVersion: weightedPick(rng, ANDROID_OS) }
}

export function buildPopulation(seed: number, installs: number, tenantCount: number, startMs: number): Population {
  const rng = new Rng(mixSeed(seed, 0x9091))
  const tenants = tenantsFor(tenantCount)
  const sizes = tenants.map((_, i) => [i, TENANT_SIZES[i]] as const)
  const ids = new Set<string>()
  const perTenant = new Map<string, number>()
  const fingerprints = new Set<string>()
  const list: Install[] = []
  for (let index = 0; index < installs; index++) {
    const tenant = tenants[weightedPick(rng, sizes)]
    const platform: Platform = rng.chance(tenant.iosShare) ? 'ios' : 'android'
    const country = weightedPick(rng, tenant.countries)
    // The tenant's k-th install has the id the history seed gives it (install-ids.ts). The draw that used to
    // make the id is kept so the rest of the population (and every seeded replay) stays as it was.
    rng.hex(16)
    const k = perTenant.get(tenant.id) ?? 0
    perTenant.set(tenant.id, k + 1)
    const id = populationInstallId(tenant.id, k)
    if (ids.has(id)) throw new Error(`install id ${id} given twice`)
    ids.add(id)
    let fingerprint: string
    do fingerprint = rng.hex(32)
    while (fingerprints.has(fingerprint))
    fingerprints.add(fingerprint)
    list.push({
      index,
      id,
      tenant,
      appVersion: weightedPick(
        rng,
        tenant.versions.map((v, i) => [v, tenant.versionWeights[i]] as const),
      ),
      platform,
      ...consumerDevice(rng, platform),
      fingerprint,
      ...residentialNetwork(rng, country),
      country,
      tzHours: countryTz(country),
      // Pareto(alpha 1.2) capped at 300x: median install is light, top 1% are power users.
      activity: Math.min(rng.pareto(1, 1.2), 300),
      // Stagger token expiry so the first minutes do not see an attestation storm.
      tokenExpiresAt: startMs + rng.int(300_000),
      rooted: rng.chance(0.001),
    })
  }
  return { tenants, installs: list }
}
