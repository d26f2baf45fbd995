import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { Install, Tenant } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { shuffle, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { withStreams, type HeldStream } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 7 (families-redteam7.ts): farms, written from the threat model ("emulators can be used to set up
 * hundreds of devices"; scripted clients) before the detectors were run on them.
 *
 * - `rt7_farm_sim_modems`: a "4G proxy" farm: 40 real, second-hand Android phones (assorted consumer models, each its
 *   own fingerprint, the genuine app: attestation passes) with SIM cards of one mobile carrier of the tenant's home
 *   country. Their public addresses are the carrier's CGNAT /24s, the same pool its ordinary subscribers (and the
 *   tenant's real users on that carrier) come from, and every phone toggles airplane mode every 3-6 minutes to get a
 *   new address from the pool. Brand-new installs powered up over the first 8 minutes, then each loops through the
 *   app's chat and second feature nonstop at 2-3 calls a minute (a person averages under one), jittered, ordinary
 *   sizes. A person would call it a farm: 40 new installs on one carrier calling all the time, each hopping
 *   addresses on a timer. `installs` 20 is the "half of it" case.
 * - `rt7_farm_cross_tenant`: a reseller of "free AI" spreads its emulators over several apps so no one app sees a big
 *   cluster: 60 emulators (`installs`), a third on each of 3 tenants' chat, all on 4 /24s of one hosting provider
 *   none of the earlier farms used (Scaleway, FR), 2 spoofed phone builds, a fingerprint per install, attestation
 *   hooked (passes 8 times in 10; the rest fail `hooking_framework` and retry). Joining over 10 minutes, each at
 *   1-1.5 calls a minute (a busy person's rate), jittered, ordinary sizes. Per tenant: 20 new installs on a hosting
 *   network; across tenants: one farm. `installs` 30 (10 a tenant) is the "half of it" case.
 */
export type RedTeam7FarmKind = 'rt7_farm_sim_modems' | 'rt7_farm_cross_tenant'

/** Scaleway: [asn, country, first octets]. */
const SCALEWAY = { asn: 12876, country: 'FR', first: [51, 62, 163] }

interface Member {
  inst: Install
  createdAt: number
  next: number
  perMinute: number
  hopAt: number
  /** The last token check passed (a refused install waits for its retry). */
  ok?: boolean
}

function simModems(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const chat = featureOf(f)
  const second = f.tenant.features.find((x) => x.name !== chat.name) ?? chat
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const home = f.tenant.countries[0][0]
  // The carrier's CGNAT pool: its first octet, the second population.ts gives its CGNAT ranges, 24 /24s.
  const carrier = residentialNetwork(rng, home)
  const first = carrier.ipPrefix.split('.')[0]
  const pool = Array.from({ length: 24 }, (_, k) => `${first}.${(carrier.asn % 200) + 20}.${k}.0/24`)
  const count = f.s.installs ?? 40
  const members: Member[] = Array.from({ length: count }, () => {
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { asn: carrier.asn, ipPrefix: rng.pick(pool), country: home },
      { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) },
    )
    const createdAt = f.start + rng.int(8 * MIN)
    return { inst, createdAt, next: createdAt, perMinute: 2 + rng.next(), hopAt: createdAt + 3 * MIN + rng.int(3 * MIN) }
  })
  const cluster = `${f.tenant.id}:rt7-modems-${rng.hex(6)}`
  const open: HeldStream[] = []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels: farmLabels(members, cluster, f, { installs: count, kind: 'rt7_farm_sim_modems', asns: [String(carrier.asn)], ip_prefixes: pool }),
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const m of members)
        poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
          // Airplane mode on and off: a new address from the pool before this call (streams still open keep theirs).
          if (ts >= m.hopAt) {
            m.inst = { ...m.inst, ipPrefix: r.pick(pool) }
            m.hopAt = ts + 3 * MIN + r.int(3 * MIN)
          }
          const spec = r.chance(0.7) ? chat : second
          sendCall(sink, r, open, m.inst, ts, spec, ordinarySize(r, spec), f.end)
        })
    }),
  }
}

function crossTenant(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant && t.features.some((x) => x.name === 'chat_assistant'))
  const tenants: Tenant[] = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const subnets = Array.from({ length: 4 }, () => ({
    asn: SCALEWAY.asn,
    country: SCALEWAY.country,
    ipPrefix: `${rng.pick(SCALEWAY.first)}.${rng.int(256)}.${rng.int(256)}.0/24`,
  }))
  const builds = [consumerDevice(rng, 'android'), consumerDevice(rng, 'android')]
  const perTenant = Math.max(1, Math.round((f.s.installs ?? 60) / tenants.length))
  const cluster = `rt7-cross-${rng.hex(6)}`
  const groups = tenants.map((t) => {
    const members: Member[] = Array.from({ length: perTenant }, () => {
      const inst = freshInstall(rng, t, known, rng.pick(subnets), { ...rng.pick(builds), fingerprint: rng.hex(32) })
      const createdAt = f.start + rng.int(10 * MIN)
      return { inst, createdAt, next: createdAt, perMinute: 1 + 0.5 * rng.next(), hopAt: Infinity }
    })
    return { tenant: t, feature: t.features.find((x) => x.name === 'chat_assistant')!, members }
  })
  // One cluster label per tenant (a tenant's alerts name its own installs), the same farm id in each.
  const labels: GroundTruthLabel[] = groups.flatMap((g) =>
    farmLabels(
      g.members,
      `${g.tenant.id}:${cluster}`,
      { ...f, tenant: g.tenant },
      {
        kind: 'rt7_farm_cross_tenant',
        installs: g.members.length,
        tenants: tenants.map((t) => t.id),
        asns: [String(SCALEWAY.asn)],
        ip_prefixes: subnets.map((s) => s.ipPrefix),
      },
    ),
  )
  const hooked = (r: Rng): AttestationReason[] => (r.chance(0.2) ? ['hooking_framework'] : [])
  const open: HeldStream[] = []
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const g of groups)
        for (const m of g.members)
          poissonCalls(m, m.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
            if (ts >= m.inst.tokenExpiresAt) {
              const reasons = hooked(r)
              sink.attestation(m.inst, m.inst.appVersion, ts, reasons, g.feature.name)
              m.inst.tokenExpiresAt = ts + (reasons.length ? 20_000 + r.int(40_000) : 270_000 + r.int(60_000))
              m.ok = !reasons.length
            }
            if (!m.ok) return // the gateway refuses the call until the retry passes
            sendCall(sink, r, open, m.inst, ts, g.feature, ordinarySize(r, g.feature), f.end, false)
          })
    }),
  }
}

export function redTeam7Farm(ctx: ScenarioContext, f: Frame, kind: RedTeam7FarmKind): Scenario {
  return kind === 'rt7_farm_sim_modems' ? simModems(ctx, f) : crossTenant(ctx, f)
}
